"""What ``ap run`` did: a result per objective run, the wave merges, the accomplishment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ap.core.models import ObjectiveStatus
from ap.run.accomplish import AccomplishOutcome
from ap.run.merge import MergeOutcome


@dataclass
class TaskResult:
    task: str
    worker: str
    ok: bool
    reason: str | None = None
    elapsed: float = 0.0
    log: Path | None = None


@dataclass
class RunOutcome:
    plan_id: str
    results: list[TaskResult] = field(default_factory=list)
    merges: list[MergeOutcome] = field(default_factory=list)
    accomplishment: AccomplishOutcome | None = None

    @property
    def failed(self) -> list[str]:
        """Objectives that failed in this run: their worker, or their wave's merge."""
        merged_failed = {t for m in self.merges for t in m.failed}
        return sorted(merged_failed | {r.task for r in self.results if not r.ok})

    def summary(self) -> list[dict[str, object]]:
        """A row per objective run, with where it ended (merged, failed, with the reason),
        and a row per objective left blocked by a failure. The accomplishment's report says
        it when there is one; a run stopped before it, its merges and its workers."""
        final = (
            {o.id: o for o in self.accomplishment.report.objectives} if self.accomplishment else {}
        )
        merged = {t for m in self.merges for t in m.merged}
        refused = {t: why for m in self.merges for t, why in m.failed.items()}
        rows: list[dict[str, object]] = []
        for r in self.results:
            ended = final.get(r.task)
            if ended is not None:
                status, reason = ended.status.value, ended.reason or r.reason
            elif r.task in merged:  # (a reason: it merged no change)
                status, reason = ObjectiveStatus.MERGED.value, r.reason
            elif r.task in refused:
                status, reason = ObjectiveStatus.FAILED.value, refused[r.task]
            else:
                status, reason = ("done" if r.ok else "failed"), r.reason
            rows.append(
                {
                    "task": r.task,
                    "worker": r.worker,
                    "status": status,
                    "elapsed": r.elapsed,
                    "reason": reason,
                }
            )
        ran = {r.task for r in self.results}
        rows += [
            {"task": o.id, "worker": None, "status": o.status.value, "elapsed": None,
             "reason": o.reason}
            for o in final.values()
            if o.status == ObjectiveStatus.BLOCKED and o.id not in ran
        ]  # fmt: skip
        return rows
