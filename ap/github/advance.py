"""Advancing a plan in the Action: start a wave, merge a finished one, accomplish after the last.

Each step is ap's own (``start``, ``merge_wave``, ``accomplish``) on the clone's
branches, then pushed to origin; the status comment and the PR follow. A step
that fails (a gate, a conflict) is reported on the issue and fails the job.
Gates run the branches' code, so a job holding a token merges only with the
verdict of the job that ran them without one (:mod:`ap.github.verdict`);
without a verdict, a wave that has gates waits ("gates-due").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ap.core.config import ApConfig
from ap.core.errors import CheckFailed
from ap.core.events import Emit
from ap.core.models import CoordinationPlan, ObjectiveStatus, PlanStatus
from ap.git import Git
from ap.github.remote import push_branches
from ap.github.work import HandleResult, done_tip, work_matrix
from ap.run.accomplish import accomplish
from ap.run.ledger import Ledger
from ap.run.merge import GateRunner, merge_wave
from ap.run.start import next_wave, start


class Handler(Protocol):
    """What advancing a plan needs of the event's handler (ap/github/handle.py)."""

    git: Git
    config: ApConfig
    emit: Emit
    merges: bool
    gate_runner: GateRunner | None

    def publish(self, plan: CoordinationPlan, issue: int, *, notes: Sequence[str] = ()) -> None:
        """The draft PR and the status comment of ``plan``."""


class VerdictMissing(CheckFailed):
    """The gates' verdict at hand is not about the candidate due (the branches moved since
    the gates ran): the wave waits for a run whose gates job sees this candidate."""


# Working statuses: an objective with one of these has a branch and may still get work.
_WORKING = (ObjectiveStatus.RUNNING, ObjectiveStatus.DONE)
MAX_STEPS = 3 * 64  # start, merge and accomplish per wave: more than any plan needs


def _issue(plan: CoordinationPlan) -> int | None:
    ref = plan.source.ref if plan.source.kind == "issue" else None
    return int(ref) if ref and ref.isdigit() else None


def _wave_started(plan: CoordinationPlan, wave: int) -> bool:
    return any(
        o is not None and o.status != ObjectiveStatus.PENDING
        for o in (plan.objective(t) for t in plan.waves[wave - 1])
    )


def wave_ready(git: Git, plan: CoordinationPlan, wave: int) -> bool:
    """Whether every working objective of ``wave`` has its work (an ``AP-Status`` tip)."""
    return _wave_started(plan, wave) and all(
        done_tip(git, plan.id, o.id, o.branch)
        for o in (plan.objective(t) for t in plan.waves[wave - 1])
        if o is not None and o.status in _WORKING
    )


def advance_plan(handler: Handler, plan_id: str, *, approve: bool) -> HandleResult:
    git, config = handler.git, handler.config
    ledger = Ledger(git, config, plan_id)
    ledger.require_tip()
    step, notes = "waiting", []
    for _ in range(MAX_STEPS):
        plan = ledger.load()
        if plan.status == PlanStatus.CANCELLED:
            step = "cancelled"
            break
        if ledger.accomplished() is not None:
            step = "accomplished"
            break
        if plan.status == PlanStatus.PLANNED and not approve:
            step = "awaiting-approval"
            break
        wave = next_wave(plan)
        if wave is None:
            accomplish(git, config, plan_id, emit=handler.emit)
            push_branches(git, [ledger.branch])
            continue
        if not _wave_started(plan, wave):
            begun = start(git, config, plan_id, wave=wave, emit=handler.emit)
            push_branches(git, [ledger.branch, *begun.created_branches])
            step = "started"
            continue
        if not wave_ready(git, plan, wave):
            break
        if not handler.merges:
            step = "merge-due"
            break
        if config.gates and handler.gate_runner is None:
            step = "gates-due"
            break
        try:
            notes.append(_merge(handler, ledger, wave))
        except VerdictMissing:
            step = "gates-due"
            break
        step = "merged"
        handler.gate_runner = None  # a verdict is about one candidate: the next wave's is due
    plan = ledger.load()
    _publish(handler, plan, notes)
    matrix = work_matrix(git, plan) if plan.status == PlanStatus.RUNNING else []
    return HandleResult(step, _describe(plan, step), plan_id, plan, matrix)


def _merge(handler: Handler, ledger: Ledger, wave: int) -> str:
    git, config = handler.git, handler.config
    try:
        if handler.gate_runner is None:
            outcome = merge_wave(git, config, ledger.plan_id, wave=wave, emit=handler.emit)
        else:
            outcome = merge_wave(
                git,
                config,
                ledger.plan_id,
                wave=wave,
                emit=handler.emit,
                gate_runner=handler.gate_runner,
            )
    except VerdictMissing:
        raise
    except CheckFailed as exc:
        _publish(handler, ledger.load(), [f"wave {wave} did not merge: {exc.message}"])
        raise
    push_branches(git, [ledger.branch])
    return outcome.describe()


def _publish(handler: Handler, plan: CoordinationPlan, notes: list[str]) -> None:
    issue = _issue(plan)
    if issue is not None:
        handler.publish(plan, issue, notes=notes)


def _describe(plan: CoordinationPlan, step: str) -> str:
    wave = next_wave(plan)
    where = f"wave {wave} of {len(plan.waves)}" if wave else "every wave ended"
    return f"plan {plan.id}: {step} ({plan.status.value}, {where})"
