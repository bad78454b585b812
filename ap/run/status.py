"""``ap status``: where a plan stands — waves, objectives, statuses, branches, elapsed time.

The plan on the integration branch says what ap recorded; git says what happened
since: a running objective whose branch tip is a ``AP-Status: done`` commit is
shown as done (submitted, waiting for its wave to merge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ap.config import ApConfig
from ap.git import Git, parse_trailers
from ap.models import CoordinationPlan, ObjectiveStatus, utcnow
from ap.run.ledger import Ledger
from ap.store import Store


@dataclass
class Row:
    task: str
    title: str
    wave: int
    status: str
    reason: str | None
    branch: str | None
    head: str | None
    elapsed: float | None


@dataclass
class PlanStatusView:
    plan_id: str
    status: str
    started: bool
    integration: str
    tip: str | None
    rows: list[Row] = field(default_factory=list)
    waves_merged: list[int] = field(default_factory=list)
    waves: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "status": self.status,
            "started": self.started,
            "integration_branch": self.integration,
            "integration_head": self.tip,
            "waves": self.waves,
            "waves_merged": self.waves_merged,
            "objectives": [vars(r) for r in self.rows],
        }

    def text(self) -> str:
        lines = [
            f"plan {self.plan_id}: {self.status}"
            + ("" if self.started else " (not started: `ap start`)"),
            f"integration: {self.integration}" + (f" at {self.tip[:12]}" if self.tip else ""),
        ]
        for wave in range(1, self.waves + 1):
            merged = " (merged)" if wave in self.waves_merged else ""
            lines.append(f"wave {wave}{merged}")
            for r in (r for r in self.rows if r.wave == wave):
                elapsed = f"{r.elapsed:.0f}s" if r.elapsed is not None else "-"
                reason = f" — {r.reason}" if r.reason else ""
                branch = r.branch or "-"
                lines.append(
                    f"  {r.task:<6} {r.status:<8} {elapsed:>7}  {branch}  {r.title}{reason}"
                )
        return "\n".join(lines)


def _live_status(git: Git, plan: CoordinationPlan, task: str, branch: str | None) -> str | None:
    if branch is None:
        return None
    tip = git.rev_parse(f"refs/heads/{branch}")
    if tip is None:
        return None
    found = parse_trailers(git.message(tip))
    if found.get("AP-Plan") == plan.id and found.get("AP-Task") == task:
        return {"done": "done", "failed": "failed"}.get(found.get("AP-Status", ""))
    return None


def plan_status(git: Git, config: ApConfig, plan_id: str) -> PlanStatusView:
    ledger = Ledger(git, config, plan_id)
    tip = ledger.tip()
    plan = ledger.load(tip) if tip else Store(git.root, config.state_dir).load_plan(plan_id)
    now = utcnow()
    view = PlanStatusView(
        plan_id=plan.id,
        status=plan.status.value,
        started=tip is not None,
        integration=ledger.branch,
        tip=tip,
        waves_merged=[r.wave for r in plan.wave_records],
        waves=len(plan.waves),
    )
    for o in plan.objectives:
        status = o.status.value
        if o.status == ObjectiveStatus.RUNNING:
            status = _live_status(git, plan, o.id, o.branch) or status
        started, finished = o.timings.started_at, o.timings.finished_at
        elapsed = ((finished or now) - started).total_seconds() if started else None
        view.rows.append(
            Row(o.id, o.title, o.wave, status, o.status_reason, o.branch, o.head, elapsed)
        )
    return view
