"""Who does each objective of a wave ``ap run`` starts, and which ones are left to run."""

from __future__ import annotations

from ap.core.config import ApConfig
from ap.core.models import CoordinationPlan, ObjectiveStatus
from ap.git import Git
from ap.run.ledger import Ledger, tip_statuses
from ap.run.workers import Worker, choose


def submitted(git: Git, ledger: Ledger, plan: CoordinationPlan, number: int, tip: str) -> set[str]:
    """Objectives of the wave whose branch tip is already a done or failed commit.

    Only those started before (a resumed run) can be: the ones this start begins
    (their start commit is ``tip``, the commit the start is built on) have no
    branch yet.
    """
    objectives = [
        o
        for t in plan.waves[number - 1]
        if (o := plan.objective(t)) is not None and o.base is not None and o.base != tip
    ]
    if not objectives:
        return set()
    tips = git.branches(f"{ledger.branches.prefix}{plan.id}/*")
    found = tip_statuses(
        git,
        plan.id,
        {o.id: tips.get(o.branch or ledger.objective_branch(o.id)) for o in objectives},
        {o.id: o.base for o in objectives},
    )
    return {task for task, status in found.items() if status in ("done", "failed")}


def assign(
    config: ApConfig,
    plan: CoordinationPlan,
    number: int,
    submitted: set[str],
    overrides: dict[str, Worker],
    override: Worker | None,
) -> dict[str, tuple[Worker, str]]:
    """A worker for each objective of the wave that is to run, and why (``overrides``:
    by objective, for a retry; ``override``: ``--worker``)."""
    load: dict[str, int] = {}
    chosen: dict[str, tuple[Worker, str]] = {}
    for task in plan.waves[number - 1]:
        objective = plan.objective(task)
        if (
            objective is None
            or objective.status != ObjectiveStatus.RUNNING
            or objective.id in submitted
        ):
            continue
        if objective.id in overrides:
            pick = (overrides[objective.id], "chosen for the retry")
        elif override is not None:
            pick = (override, "chosen with --worker")
        else:
            pick = choose(config, objective, load)
        chosen[objective.id] = pick
        load[pick[0].name] = load.get(pick[0].name, 0) + 1
    return chosen


def record(plan: CoordinationPlan, chosen: dict[str, tuple[Worker, str]]) -> bool:
    """Write who does each objective, and why, into the plan; whether anything changed."""
    changed = False
    for task, (worker, why) in chosen.items():
        o = plan.objective(task)
        if o is not None and (o.agent, o.agent_reason) != (worker.name, why):
            o.agent, o.agent_reason = worker.name, why
            changed = True
    return changed
