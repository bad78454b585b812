"""The work of a running plan in the Action: which objectives wait for an agent, who
claimed them, and what one run of ``ap github handle`` did (:class:`HandleResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ap.core.models import CoordinationPlan, ObjectiveStatus
from ap.git import Git
from ap.github.remote import CLAIMS, fetch_plans, push_claims
from ap.run.ledger import tip_status


@dataclass
class HandleResult:
    """What one run did: ``step`` names it; ``matrix`` lists the objectives to work on now."""

    step: str
    message: str
    plan_id: str | None = None
    plan: CoordinationPlan | None = None
    matrix: list[dict[str, str]] = field(default_factory=list)


def done_tip(git: Git, plan_id: str, task: str, branch: str | None) -> bool:
    """Whether ``branch`` ends with the objective's ``AP-Status`` commit (done or failed)."""
    return tip_status(git, plan_id, task, f"refs/heads/{branch}" if branch else None) is not None


def claim_ref(plan_id: str, task: str) -> str:
    """Where a run records that it took an objective's work: the branch tip it started on."""
    return f"{CLAIMS}{plan_id}/{task}"


def work_matrix(git: Git, plan: CoordinationPlan) -> list[dict[str, str]]:
    """The running objectives whose branches still wait for work no run has claimed."""
    matrix = []
    for o in plan.objectives:
        if o.status != ObjectiveStatus.RUNNING or not o.branch:
            continue
        tip = git.rev_parse(f"refs/heads/{o.branch}")
        if tip is None or done_tip(git, plan.id, o.id, o.branch):
            continue
        if git.rev_parse(claim_ref(plan.id, o.id)) == tip:
            continue  # another run's agent has it
        matrix.append({"plan": plan.id, "task": o.id, "branch": o.branch, "wave": str(o.wave)})
    return matrix


def claim_work(git: Git, prefix: str, matrix: list[dict[str, str]]) -> list[dict[str, str]]:
    """Claim the objectives of ``matrix`` on origin (one atomic push, leased on the claims
    as this run saw them); the entries this run won. A run that loses looks once more."""
    for _ in range(2):
        claims: dict[str, tuple[str, str | None]] = {}
        for entry in matrix:
            tip = git.rev_parse(f"refs/heads/{entry['branch']}")
            assert tip is not None
            ref = claim_ref(entry["plan"], entry["task"])
            claims[ref] = (tip, git.rev_parse(ref))
        if push_claims(git, claims):
            return matrix
        fetch_plans(git, prefix)
        unclaimed = {
            (e["plan"], e["task"])
            for e in matrix
            if git.rev_parse(claim_ref(e["plan"], e["task"]))
            != git.rev_parse(f"refs/heads/{e['branch']}")
        }
        matrix = [e for e in matrix if (e["plan"], e["task"]) in unclaimed]
    return []
