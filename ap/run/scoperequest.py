"""``ap scope request`` and ``ap retry``: changing a running plan, on its integration branch.

A worker that finds it needs a path outside its scope asks for it. The grant is
given at once when the pattern overlaps no other objective of the wave (their
touch and their grants) and aims at no globally forbidden path the owner did not
allow; it is recorded in the plan with the reason, which is what the hook and the
merge-time check read. Otherwise it is refused, naming the objective (or the
forbid pattern) it would collide with and a witness path.

``ap retry`` gives a failed objective a fresh branch from the integration tip
(the old tip is kept under ``refs/ap/attempts/``, never deleted), un-blocks the
objectives that were blocked only because of it, and lets ``ap run`` do it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ap.core.config import ApConfig
from ap.core.errors import CheckFailed, UsageError
from ap.core.models import CoordinationPlan, ObjectiveStatus, PlanStatus, ScopeGrant, utcnow
from ap.git import Git
from ap.run.grants import ACTIVE
from ap.run.grants import refusal as refusal_of
from ap.run.ledger import Ledger, trailers, update_plan
from ap.run.runlock import holding, lock_path
from ap.scope import parse_pattern

STUCK = (ObjectiveStatus.FAILED, ObjectiveStatus.BLOCKED)  # what keeps a dependant blocked


@dataclass(frozen=True)
class Grant:
    task: str
    pattern: str
    why: str


def request_scope(
    git: Git, config: ApConfig, plan_id: str, task: str, pattern: str, why: str
) -> Grant:
    if not why.strip():
        raise UsageError("say why the path is needed", hint="--why 'the handler must register'")
    text = parse_pattern(pattern).text  # refuses bad patterns (exit 2) before anything else
    ledger = Ledger(git, config, plan_id)
    refusal: list[str] = []

    def grant(plan: CoordinationPlan) -> bool:
        refusal.clear()
        objective = plan.objective(task)
        if objective is None:
            raise UsageError(
                f"plan {plan_id} has no objective {task!r}",
                hint=f"`ap show {plan_id}` lists its objectives",
            )
        if objective.status not in ACTIVE:
            raise CheckFailed(
                f"{task} is {objective.status.value}, not running: no scope to widen",
                hint="scope requests are for objectives of the running wave",
            )
        if any(g.task == task and g.pattern == text for g in plan.grants):
            return False
        problem = refusal_of(plan, task, text, config.case_sensitive_scopes)
        if problem is not None:
            refusal.append(problem)
            return False
        plan.grants.append(ScopeGrant(task=task, pattern=text, why=why.strip()))
        return True

    update_plan(
        ledger,
        grant,
        f"chore(ap): grant {text} to {task} of {plan_id}\n\n{why.strip()[:500]}\n\n"
        + trailers(plan=plan_id, step="grant", task=task),
    )
    if refusal:
        raise CheckFailed(f"{text!r} is refused for {task}: {refusal[0]}")
    return Grant(task, text, why.strip())


def reset_for_retry(git: Git, config: ApConfig, plan_id: str, task: str) -> str:
    """A failed objective back to running on a fresh branch; the new branch name.

    Refused, changing nothing, while a run of the plan is going (the run lock is taken
    before anything is read; a caller that goes on to run the plan holds it already).
    """
    with holding(lock_path(git.git_dir(), plan_id), plan_id, doing="`ap retry`"):
        return _reset(git, config, plan_id, task)


def unblock(plan: CoordinationPlan) -> list[str]:
    """Blocked objectives none of whose dependencies failed or is blocked, back to pending,
    transitively (a retried objective frees the whole chain below it); their ids."""
    freed: list[str] = []
    changed = True
    while changed:
        changed = False
        for objective in plan.objectives:
            if objective.status != ObjectiveStatus.BLOCKED:
                continue
            holders = [
                d
                for d in objective.depends_on
                if (dep := plan.objective(d)) is not None and dep.status in STUCK
            ]
            if not holders:
                objective.status = ObjectiveStatus.PENDING
                objective.status_reason = None
                freed.append(objective.id)
                changed = True
    return freed


def _reset(git: Git, config: ApConfig, plan_id: str, task: str) -> str:
    ledger = Ledger(git, config, plan_id)
    branch = ledger.objective_branch(task)
    tip = ledger.require_tip()

    def reset(plan: CoordinationPlan) -> bool:
        objective = plan.objective(task)
        if objective is None:
            raise UsageError(
                f"plan {plan_id} has no objective {task!r}",
                hint=f"`ap show {plan_id}` lists its objectives",
            )
        if objective.status != ObjectiveStatus.FAILED:
            raise CheckFailed(
                f"{task} is {objective.status.value}; only a failed objective can be retried"
            )
        plan.status = PlanStatus.RUNNING  # an accomplished plan is reopened
        objective.status = ObjectiveStatus.RUNNING
        objective.status_reason = None
        objective.branch = branch
        objective.base = tip
        objective.head = None
        objective.timings.started_at = utcnow()
        objective.timings.finished_at = None
        unblock(plan)
        return True

    old = git.rev_parse(f"refs/heads/{branch}")
    update_plan(
        ledger,
        reset,
        f"chore(ap): retry {task} of {plan_id}\n\n"
        + trailers(plan=plan_id, step="retry", task=task),
    )
    plan = ledger.load()
    objective = plan.objective(task)
    assert objective is not None and objective.base is not None
    if old is not None:
        number = len(git.refs_under(f"refs/ap/attempts/{plan_id}/{task}/")) + 1
        git.update_ref(f"refs/ap/attempts/{plan_id}/{task}/{number}", old, None)
        git.update_ref(f"refs/heads/{branch}", objective.base, old)
    else:
        git.update_ref(f"refs/heads/{branch}", objective.base, None)
    return branch
