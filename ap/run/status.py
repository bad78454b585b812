"""``ap status``: where a plan stands — waves, objectives, statuses, branches, elapsed time.

The plan on the integration branch says what ap recorded; git says what happened
since: a running objective whose branch tip is a ``AP-Status: done`` commit is
shown as done (submitted, waiting for its wave to merge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ap.core.config import ApConfig
from ap.core.errors import ApError, CheckFailed
from ap.core.models import (
    AccomplishmentReport,
    CoordinationPlan,
    Event,
    GateResult,
    Model,
    ObjectiveStatus,
    OrchestratorStatus,
    utcnow,
)
from ap.git import Git
from ap.run.gates import last_failure
from ap.run.ledger import Ledger, tip_statuses
from ap.run.process import last_line
from ap.state.digests import Digests
from ap.state.store import Store


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
    activity: str | None = None  # a running objective's latest log line (`ap mcp` progress)


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
    estimated_remaining: float | None = None
    elapsed: float = 0.0  # since the first objective started; to the end once it has ended
    gate_failure: GateResult | None = None  # the last merge attempt's, on this very tip
    refused: CheckFailed | None = None  # why ap will not build on the tip (foreign commits)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def counts(self) -> dict[str, int]:
        """How many objectives are in each state, every state named (zero included)."""
        return {s.value: sum(r.status == s.value for r in self.rows) for s in ObjectiveStatus}

    @property
    def progress_percent(self) -> float:
        """Merged objectives over all of them: failed and blocked ones are no progress."""
        merged = self.counts["merged"]
        return round(100.0 * merged / len(self.rows), 1) if self.rows else 100.0

    @property
    def phase(self) -> tuple[str, int | None]:
        """Where the plan stands, and the wave it is at: ``planned``, ``execution`` (a wave
        has objectives to work on), ``merge`` (a wave's work is in, to merge),
        ``accomplishment`` (every wave merged), then ``accomplished``, ``failed`` or
        ``cancelled``."""
        if self.status in ("failed", "cancelled"):
            return self.status, None
        if self.status == "done":
            return "accomplished", None
        if not self.started:
            return "planned", None
        for wave in range(1, self.waves + 1):
            rows = [r for r in self.rows if r.wave == wave]
            if wave in self.waves_merged or not rows:
                continue
            working = any(r.status in ("pending", "running") for r in rows)
            return ("execution" if working else "merge"), wave
        return "accomplishment", None

    @property
    def current_activity(self) -> str:
        """One line saying what is going on (or how it ended)."""
        return self._activity(with_last=True)

    def _activity(self, *, with_last: bool) -> str:
        phase, wave = self.phase
        if phase in ("execution", "merge"):
            rows = [r for r in self.rows if r.wave == wave]
            if phase == "merge":
                gate = self.gate_failed_on(wave) if wave is not None else None
                said = f"gate {gate.name!r} failed on its merge" if gate else "to merge"
                return f"wave {wave} of {self.waves}: {said}"
            running = [r for r in rows if r.status in ("pending", "running")]
            last = next((r.activity for r in running if r.activity and with_last), None)
            said = ", ".join(f"{r.task} {r.status}" for r in running)
            return f"wave {wave} of {self.waves}: {said}" + (f" (last: {last})" if last else "")
        if phase == "failed":
            apart = [r for r in self.rows if r.status in ("failed", "blocked")]
            return "failed: " + ", ".join(f"{r.task} {r.status}" for r in apart)
        return {
            "planned": "planned, not started",
            "accomplishment": "every wave merged; the accomplishment is next",
        }.get(phase, phase)

    def model(self) -> OrchestratorStatus:
        """The status model of docs/DESIGN.md §7 (the ``status`` event's own fields)."""
        return OrchestratorStatus(
            phase=self.phase[0],
            progress_percent=self.progress_percent,
            current_activity=self.current_activity,
            elapsed=self.elapsed,
            estimated_remaining=None if self.finished else self.estimated_remaining,
        )

    def event(self) -> Event:
        """The ``status`` event of ``ap status --json``: its phase is the plan's."""
        from ap.core.events import event

        data = self.as_dict()
        return event("status", data.pop("phase"), **data)

    @property
    def next_step(self) -> str | None:
        """What moves the plan on from here, as a command (None once it has ended)."""
        if self.refused is not None:
            return self.refused.hint or "put the integration branch back on ap's last commit"
        return self._next_in_plan()

    def _next_in_plan(self) -> str | None:
        if self.status == "failed":
            failed = [r.task for r in self.rows if r.status == "failed"]
            return f"`ap retry {failed[0]}` runs a failed objective again" if failed else None
        if self.finished:
            return None
        if not self.started:
            return "`ap run` (or `ap start`, to work on the branches yourself)"
        for wave in range(1, self.waves + 1):
            rows = [r for r in self.rows if r.wave == wave]
            if wave not in self.waves_merged and rows:
                gate = self.gate_failed_on(wave)
                if gate is not None:
                    return (
                        f"fix the branches (or the gate {gate.name!r}), "
                        "then `ap merge-wave` (or `ap run`)"
                    )
                return _wave_step(wave, rows)
        return "`ap accomplish` (or `ap run`)"

    def gate_failed_on(self, wave: int) -> GateResult | None:
        """The gate that failed on ``wave``'s last merge attempt, while it is unmerged."""
        gate = self.gate_failure
        if gate is None or gate.wave != wave or wave in self.waves_merged:
            return None
        return gate

    def as_dict(self) -> dict[str, Any]:
        model = self.model()
        eta = model.estimated_remaining
        return {
            **model.model_dump(mode="json"),
            "wave": self.phase[1],
            "counts": self.counts,
            "eta": None if eta is None else (utcnow() + timedelta(seconds=eta)).isoformat(),
            "plan_id": self.plan_id,
            "status": self.status,
            "next": self.next_step,
            "started": self.started,
            "integration_branch": self.integration,
            "integration_head": self.tip,
            "waves": self.waves,
            "waves_merged": self.waves_merged,
            "gate_failure": (
                self.gate_failure.model_dump(mode="json") if self.gate_failure else None
            ),
            "objectives": [vars(r) for r in self.rows],
            "refused": self.refused.message if self.refused else None,
        }

    def text(self) -> str:
        lines = [
            f"plan {self.plan_id}: {self.status}" + ("" if self.started else " (not started)"),
            f"integration: {self.integration}" + (f" at {self.tip[:12]}" if self.tip else ""),
            *(["refused: " + self.refused.message] if self.refused else []),
            self._phase_line(),
            self._progress_line(),
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
                if r.activity:
                    lines.append(f"         last: {r.activity}")
            gate = self.gate_failed_on(wave)
            if gate is not None:
                said = [x for x in gate.output_tail.splitlines() if x.strip()]
                lines.append(
                    f"  gate {gate.name!r} failed on this wave (exit {gate.exit_code})"
                    + (f": {said[-1].strip()[:160]}" if said else "")
                )
        if (step := self.next_step) is not None:
            lines.append(f"next: {step}")
        return "\n".join(lines)

    def _phase_line(self) -> str:
        phase, wave = self.phase
        where = f", wave {wave} of {self.waves}" if wave is not None else ""
        took = f"; elapsed {self.elapsed:.0f} s" if self.started else ""
        # (each running objective's last line is shown on its own row below)
        doing = self._activity(with_last=False).removeprefix(f"wave {wave} of {self.waves}: ")
        return f"phase: {phase}{where}{took} — {doing}"

    def _progress_line(self) -> str:
        counts = self.counts
        apart = [f"{counts[s]} {s}" for s in ("failed", "blocked") if counts[s]]
        line = (
            f"progress: {self.progress_percent:.0f}% ({counts['merged']} of {len(self.rows)} "
            "merged" + ("; " + ", ".join(apart) if apart else "") + ")"
        )
        left = self.model().estimated_remaining
        if left is not None:
            line += f", about {left:.0f} s left (from past accomplishments)"
        return line


def _wave_step(wave: int, rows: list[Row]) -> str:
    """What moves an unmerged wave on: starting it, its objectives' work, or its merge."""
    if any(r.status == "pending" for r in rows):
        return f"`ap run` (or `ap start` for wave {wave})"
    working = [r.task for r in rows if r.status == "running"]
    if working:
        return (
            f"`ap run`, or `ap submit` on the branches of {', '.join(working)} "
            "when their work is done"
        )
    return f"`ap merge-wave` merges wave {wave} (or `ap run`)"


def _live_statuses(git: Git, ledger: Ledger, plan: CoordinationPlan) -> dict[str, str]:
    """``done`` or ``failed`` of the running objectives whose branch says so: every branch
    read with two git processes, whatever the number of objectives."""
    running = [o for o in plan.objectives if o.status == ObjectiveStatus.RUNNING and o.branch]
    if not running:
        return {}
    heads = git.branches(f"{ledger.branches.prefix}{plan.id}/*")
    found = tip_statuses(
        git,
        plan.id,
        {o.id: heads.get(o.branch) if o.branch else None for o in running},
        {o.id: o.base for o in running},
    )
    return {task: status for task, status in found.items() if status in ("done", "failed")}


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
        waves_merged=sorted({r.wave for r in plan.wave_records}),  # (a retry merges again)
        waves=len(plan.waves),
        elapsed=_elapsed(plan, now),
    )
    live = _live_statuses(git, ledger, plan)
    logs = git.git_dir() / "ap" / "run" / plan.id / "logs"
    for o in plan.objectives:
        status = live.get(o.id, o.status.value)
        started, finished = o.timings.started_at, o.timings.finished_at
        elapsed = ((finished or now) - started).total_seconds() if started else None
        activity = last_line(logs / f"{o.id}.log") if status == "running" else ""
        view.rows.append(
            Row(
                o.id, o.title, o.wave, status, o.status_reason, o.branch, o.head, elapsed,
                activity or None,
            )
        )  # fmt: skip
    view.estimated_remaining = estimate_remaining(git, config, plan, view)
    view.gate_failure = last_failure(git, plan.id, tip)
    view.refused = _refusal(ledger, tip)
    return view


def _elapsed(plan: CoordinationPlan, now: datetime) -> float:
    """Seconds since the plan's first objective started: up to now while it goes on, up to
    its last recorded moment once it has ended (0 before it starts)."""
    starts = [o.timings.started_at for o in plan.objectives if o.timings.started_at]
    if not starts:
        return 0.0
    end = now
    if plan.status.value in ("done", "failed", "cancelled"):
        moments = [o.timings.finished_at for o in plan.objectives if o.timings.finished_at]
        moments += [r.merged_at for r in plan.wave_records]
        end = max(moments, default=now)
    return round(max(0.0, (end - min(starts)).total_seconds()), 1)


def _pace(report: Model) -> dict[str, Any]:
    """What an estimate needs of a past accomplishment: seconds per objective, if known."""
    assert isinstance(report, AccomplishmentReport)
    if not report.duration or not report.objectives:
        return {"per_objective": None}
    return {"per_objective": report.duration / len(report.objectives)}


def _refusal(ledger: Ledger, tip: str | None) -> CheckFailed | None:
    """Why ap refuses to build on ``tip`` (commits it did not make, an invalid plan), if so."""
    if tip is None:
        return None
    try:
        ledger.verify(tip)
    except CheckFailed as exc:
        return exc
    return None


def estimate_remaining(
    git: Git, config: ApConfig, plan: CoordinationPlan, view: PlanStatusView
) -> float | None:
    """Objectives left times the median time per objective of past accomplishments.

    None when there is no past accomplishment to learn from.
    """
    store = Store(git.root, config.state_dir)
    digests = Digests(git.git_dir() / "ap" / "cache", "status-accomplishment", _pace)
    try:
        past = [
            digests.of("accomplishment", path.read_text(encoding="utf-8"), where=str(path))
            for path in (store.path_for("accomplishment", i) for i in store.ids("accomplishment"))
        ]
    except (ApError, OSError, UnicodeDecodeError):
        return None
    digests.save()
    per_objective = sorted(
        float(p["per_objective"]) for p in past if p["per_objective"] is not None
    )
    if not per_objective:
        return None
    typical = per_objective[len(per_objective) // 2]
    left = sum(r.status in ("pending", "running", "done") for r in view.rows)
    return round(typical * left, 1)
