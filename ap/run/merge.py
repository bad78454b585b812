"""``ap merge-wave`` (docs/DESIGN.md §6): one wave's objective branches → one merge commit.

For each objective of the wave: its tip must be a ``AP-Status: done`` commit, the
whole branch diff since its start must be inside its scope (the authority — the
hook is only a convenience), and the branch must still contain its start commit.
When the good branches change disjoint paths (the usual case: scopes are
disjoint), the merge is their diffs written onto the integration tip, which is
what a three-way merge of disjoint changes gives. Otherwise they are folded with
``git merge-tree`` (directory renames off) off any work tree, and the merged diff
must equal the union of the branch diffs (no silent moves). Either way the merged
diff is that union; the gates run on the candidate in a temporary worktree. Only then is one
merge commit written — parents: the integration tip and every merged objective's
tip, the plan's statuses updated in the same tree — and the integration ref moved
by compare-and-swap. Nothing moves unless everything passed; a crash anywhere
leaves the branch as it was; two runs racing produce one merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ap.core.config import ApConfig, GateConfig
from ap.core.errors import CheckFailed, GateFailed
from ap.core.events import Emit, event
from ap.core.ids import report_relpath
from ap.core.models import (
    ContractCheck,
    CoordinationPlan,
    GateResult,
    ObjectiveStatus,
    ScopeViolationRecord,
    WaveRecord,
    utcnow,
)
from ap.git import Git
from ap.run import faults
from ap.run.candidate import (
    Ready,
    check_union,
    combine,
    direct_changes,
    fold,
    keep_contracts,
)
from ap.run.contracts import contract_event
from ap.run.enforce import check_branches
from ap.run.gates import forget_failure, remember_failure, remove_stale_worktrees, run_gates
from ap.run.ledger import Ledger, tip_statuses, trailers
from ap.run.response import no_change_reason
from ap.run.start import MAX_RACES, block_dependants, check_order, next_wave, wave_ended
from ap.run.submit import failure_at, report_at

# (the candidate's names stay importable from here, as before ap/run/candidate.py)
__all__ = [
    "DONE_TRAILER",
    "GateRunner",
    "MergeOutcome",
    "Ready",
    "check_union",
    "collect",
    "combine",
    "direct_changes",
    "fold",
    "keep_contracts",
    "merge_wave",
]

DONE_TRAILER = "done"


class GateRunner(Protocol):
    """What runs the gates on a wave's candidate commit (:func:`run_gates` by default; the
    GitHub Action replays the verdict of a job that held no token)."""

    def __call__(
        self, git: Git, commit: str, gates: Sequence[GateConfig], *, wave: int, emit: Emit
    ) -> list[GateResult]: ...


@dataclass
class MergeOutcome:
    plan_id: str
    wave: int | None
    merged: list[str] = field(default_factory=list)  # (with those that merged no change)
    failed: dict[str, str] = field(default_factory=dict)
    no_change: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    commit: str | None = None
    gate_results: list[GateResult] = field(default_factory=list)
    already: bool = False
    next_wave: int | None = None
    contracts: list[ContractCheck] = field(default_factory=list)

    def describe(self) -> str:
        if self.wave is None:
            return f"every wave of plan {self.plan_id} is merged; next: `ap accomplish`"
        if self.already:
            text = f"wave {self.wave} of plan {self.plan_id} is already merged; nothing to do"
            if self.next_wave:
                text += f" (next: `ap start {self.plan_id}` for wave {self.next_wave})"
            return text
        text = f"wave {self.wave} of plan {self.plan_id}: merged {', '.join(self.merged) or 'none'}"
        if self.no_change:
            text += f" ({', '.join(self.no_change)}: no change)"
        if self.failed:
            text += "; failed " + ", ".join(self.failed)
        if self.blocked:
            text += "; blocked " + ", ".join(self.blocked)
        return text


def _started(plan: CoordinationPlan, number: int) -> bool:
    objectives = [plan.objective(t) for t in plan.waves[number - 1]]
    return any(o is not None and o.status != ObjectiveStatus.PENDING for o in objectives)


def collect(
    git: Git, ledger: Ledger, plan: CoordinationPlan, wave: int
) -> tuple[list[Ready], dict[str, str]]:
    """The wave's done branches, checked, and the objectives that failed (with why)."""
    ready: list[Ready] = []
    failed: dict[str, str] = {}
    waiting: list[str] = []
    data = plan.model_dump(mode="json")
    candidates = {}  # task -> branch
    for task in plan.waves[wave - 1]:
        objective = plan.objective(task)
        if objective is None or objective.status in (
            ObjectiveStatus.FAILED,
            ObjectiveStatus.BLOCKED,
            ObjectiveStatus.MERGED,
            ObjectiveStatus.NO_CHANGE,
        ):
            continue
        if objective.status == ObjectiveStatus.PENDING:
            raise CheckFailed(
                f"wave {wave} of plan {plan.id} has not started ({task} is pending)",
                hint=f"run `ap start {plan.id}`",
            )
        candidates[task] = objective.branch or ledger.objective_branch(task)
    heads = git.branches(f"{ledger.branches.prefix}{plan.id}/*")
    tips = {task: heads.get(branch) for task, branch in candidates.items()}
    statuses = tip_statuses(
        git, plan.id, tips, {t: o.base for t in candidates if (o := plan.objective(t))}
    )
    done: dict[str, str] = {}  # branch -> tip
    for task, branch in candidates.items():
        status, tip = statuses.get(task), tips.get(task)
        if tip is None or status is None:
            waiting.append(f"{task} ({branch} has no `AP-Status: done` commit at its tip)")
        elif status != DONE_TRAILER:
            failed[task] = failure_at(git, ledger.settings.state_dir, plan.id, task, tip) or (
                f"the worker reported failure (AP-Status: {status})"
            )
        else:
            done[branch] = tip
    outcomes = check_branches(git, ledger.settings, done, data)
    for task, branch in candidates.items():
        if branch in done:
            ready.append(Ready(task, branch, done[branch], outcomes[branch]))
    if waiting:
        raise CheckFailed(
            f"wave {wave} of plan {plan.id} is not ready: " + "; ".join(waiting),
            hint="finish those objectives (`ap submit` on their branches), then merge again",
        )
    return ready, failed


def _unchanged(item: Ready, state_dir: str, plan_id: str) -> bool:
    """Whether the branch changed nothing but its report: it merged no change."""
    report = report_relpath(state_dir, plan_id, item.task)
    return all(e.path == report for e in item.outcome.entries)


def _settle(
    git: Git,
    ledger: Ledger,
    plan: CoordinationPlan,
    merged: list[Ready],
    failed: dict[str, str],
) -> list[str]:
    now = utcnow()
    state_dir = ledger.settings.state_dir
    for item in merged:
        objective = plan.objective(item.task)
        assert objective is not None
        objective.status = ObjectiveStatus.MERGED
        objective.status_reason = None
        if _unchanged(item, state_dir, plan.id):
            report = report_at(git, state_dir, plan.id, item.task, item.tip)
            objective.status = ObjectiveStatus.NO_CHANGE
            objective.status_reason = no_change_reason(report) if report else None
        objective.head = item.tip
        objective.timings.finished_at = now
    for task, reason in failed.items():
        objective = plan.objective(task)
        assert objective is not None
        objective.status = ObjectiveStatus.FAILED
        objective.status_reason = reason
        objective.timings.finished_at = now
    return block_dependants(plan)


def merge_wave(
    git: Git,
    config: ApConfig,
    plan_id: str,
    *,
    wave: int | None = None,
    emit: Emit,
    tip: str | None = None,
    gate_runner: GateRunner = run_gates,
) -> MergeOutcome:
    """Merge ``wave`` (default: the next one). ``tip`` is where the caller last saw the
    integration branch: a guess, checked by the compare-and-swap that publishes.
    ``gate_runner`` runs the gates on the candidate (default: here, in a worktree)."""
    ledger = Ledger(git, config, plan_id)
    remove_stale_worktrees(git)
    guess = tip
    for _ in range(MAX_RACES):
        tip, guess = guess or ledger.require_tip(), None
        ledger.check(tip)  # nothing is built on commits ap did not make
        plan = ledger.load(tip)
        number = wave if wave is not None else next_wave(plan)
        if number is None:
            return MergeOutcome(plan_id, None)
        if wave is None and number > 1 and not _started(plan, number):
            # The last started wave is merged (a re-run, perhaps after a crash).
            return MergeOutcome(plan_id, number - 1, already=True, next_wave=number)
        if wave_ended(plan, number):
            return MergeOutcome(plan_id, number, already=True)
        check_order(plan, number)
        ready, failed = collect(git, ledger, plan, number)
        _refuse_violations(plan, ready, failed)
        faults.checkpoint("merge.checked")
        base_tree, merged, changes, checks = keep_contracts(
            git,
            ledger,
            plan,
            number,
            tip,
            [r for r in ready if r.outcome.ok],
            failed,
            as_commit=bool(config.gates),
        )
        faults.checkpoint("merge.folded")
        gate_results: list[GateResult] = []
        if merged and config.gates:
            faults.checkpoint("merge.gates_started")
            gate_results = gate_runner(git, base_tree, config.gates, wave=number, emit=emit)
            _require_passed(git, plan_id, number, tip, gate_results)
        faults.checkpoint("merge.gated")
        blocked = _settle(git, ledger, plan, merged, failed)
        plan.wave_records.append(
            WaveRecord(
                wave=number,
                merged=[m.task for m in merged],
                failed=list(failed),
                gate_results=gate_results,
                contracts=checks,
            )
        )
        commit = ledger.commit(
            tip,
            plan,
            _message(plan_id, number, merged, failed),
            files=changes,
            tree_of=base_tree,
            extra_parents=[m.tip for m in merged],
        )
        if commit is None:
            continue  # another run moved the branch: look again
        faults.checkpoint("merge.ref_moved")
        forget_failure(git, plan_id)
        outcome = MergeOutcome(
            plan_id,
            number,
            merged=[m.task for m in merged],
            failed=failed,
            no_change=_no_change(plan, merged),
            blocked=blocked,
            commit=commit,
            gate_results=gate_results,
            contracts=checks,
        )
        _announce(outcome, emit)
        return outcome
    raise CheckFailed(f"the integration branch of {plan_id} keeps moving; try again")


def _no_change(plan: CoordinationPlan, merged: list[Ready]) -> list[str]:
    return [
        m.task
        for m in merged
        if (o := plan.objective(m.task)) is not None and o.status == ObjectiveStatus.NO_CHANGE
    ]


def _refuse_violations(plan: CoordinationPlan, ready: list[Ready], failed: dict[str, str]) -> None:
    """A branch with a change outside its scope fails, and the plan records what was caught."""
    for item in ready:
        if not item.outcome.ok:
            failed[item.task] = "scope violation: " + "; ".join(
                v.describe() for v in item.outcome.violations
            )
            plan.violations_caught += [
                ScopeViolationRecord(task=item.task, path=v.path, reason=v.reason)
                for v in item.outcome.violations
            ]


def _require_passed(git: Git, plan_id: str, wave: int, tip: str, results: list[GateResult]) -> None:
    """Nothing is merged past a failed gate; ``ap status`` is told which one."""
    broken = next((g for g in results if not g.passed), None)
    if broken is None:
        return
    remember_failure(git, plan_id, tip, broken)
    raise GateFailed(
        f"gate {broken.name!r} failed on wave {wave} of {plan_id} "
        f"(exit {broken.exit_code}); nothing was merged\n" + broken.output_tail[-1500:],
        hint="fix the objectives' branches (or the gate), then merge again",
    )


def _message(plan_id: str, wave: int, merged: list[Ready], failed: dict[str, str]) -> str:
    names = ", ".join(m.task for m in merged) or "nothing merged"
    body = "".join(f"Failed: {t}: {why}\n" for t, why in failed.items())
    return (
        f"merge(ap): wave {wave} of {plan_id}: {names}\n\n"
        + (body + "\n" if body else "")
        + trailers(plan=plan_id, step="merge", wave=str(wave))
    )


def _announce(outcome: MergeOutcome, emit: Emit) -> None:
    for task in outcome.merged:
        status = "no_change" if task in outcome.no_change else "merged"
        emit(event("objective_finished", "merge", task=task, status=status))
    for task, why in outcome.failed.items():
        emit(event("objective_finished", "merge", task=task, status="failed", reason=why))
    for check in outcome.contracts:
        emit(contract_event(check, outcome.wave))
    emit(
        event(
            "wave_merged",
            "merge",
            plan_id=outcome.plan_id,
            wave=outcome.wave,
            commit=outcome.commit,
            merged=outcome.merged,
            failed=outcome.failed,
            blocked=outcome.blocked,
        )
    )
