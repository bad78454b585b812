"""``ap start``: the integration branch (holding the committed plan) and a wave's branches.

Idempotent: the integration branch is created once, from the plan's base commit;
starting a wave records, in one commit on the integration branch, which
objectives run (on which branch, from which start commit) and which are blocked
by a failed dependency; then creates the missing objective branches at their
recorded start commit. Run again, it only creates what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from ap.core.config import ApConfig
from ap.core.errors import CheckFailed, PlanInvalid, UsageError
from ap.core.events import Emit, event
from ap.core.models import CoordinationPlan, ObjectiveStatus, PlanStatus, utcnow
from ap.git import Git
from ap.plan.graph import dependants
from ap.run.ledger import Ledger, trailers
from ap.state.artifacts import retire_drafts
from ap.state.store import Store

SETTLED = frozenset(
    {
        ObjectiveStatus.MERGED,
        ObjectiveStatus.NO_CHANGE,
        ObjectiveStatus.FAILED,
        ObjectiveStatus.BLOCKED,
    }
)
STUCK = frozenset({ObjectiveStatus.FAILED, ObjectiveStatus.BLOCKED})  # what blocks a dependant
MAX_RACES = 5


@dataclass
class StartResult:
    plan: CoordinationPlan
    wave: int | None
    tip: str  # the integration branch after the start
    started: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    created_branches: list[str] = field(default_factory=list)
    created_integration: bool = False

    def describe(self) -> str:
        if self.wave is None:
            return f"every wave of plan {self.plan.id} has ended; next: `ap accomplish`"
        parts = [f"{len(self.started)} objective(s) running"]
        if self.blocked:
            parts.append(f"blocked: {', '.join(self.blocked)}")
        if self.created_branches:
            parts.append(f"created {len(self.created_branches)} branch(es)")
        else:
            parts.append("branches already exist")
        return f"wave {self.wave} of plan {self.plan.id}: " + "; ".join(parts)


def create_integration(
    git: Git, config: ApConfig, ledger: Ledger, *, looked: bool = False
) -> str | None:
    """The integration branch from the working tree's plan file: its first commit (None
    when the branch exists). ``looked``: the caller just found no branch (creating it is
    a compare-and-swap anyway)."""
    if not looked and ledger.tip() is not None:
        return None
    store = Store(git.root, config.state_dir)
    plan, read = store.read_draft(ledger.plan_id)
    if not plan.scope_validation.valid:
        raise PlanInvalid(
            f"plan {plan.id} is invalid; it cannot start", hint=f"run `ap validate {plan.id}`"
        )
    base = plan.base_commit or git.head()
    if base is None or git.read_object(f"{base}^{{commit}}") is None:
        raise CheckFailed(
            f"the base commit of plan {plan.id} ({base}) is not in this repository",
            hint="fetch it, or plan again from the current HEAD",
        )
    plan = plan.model_copy(update={"integration_branch": ledger.branch, "base_commit": base})
    files = {}
    if plan.analysis_id and plan.analysis_id in store.ids("analysis"):
        path = store.path_for("analysis", plan.analysis_id)
        files[store.relpath(path)] = path.read_bytes()
    message = f"chore(ap): plan {plan.id}\n\n{_first_line(plan.request)}\n\n" + trailers(
        plan=plan.id, step="plan"
    )
    created = ledger.create(base, plan, message, files)
    if created is not None:  # the branch is the plan now: the drafts would block its merge
        retire_drafts(git, {**read, **files})
    return created


def _first_line(text: str) -> str:
    line = (text.strip().splitlines() or [""])[0]
    return line[:200]


def wave_ended(plan: CoordinationPlan, number: int) -> bool:
    """Nothing left in it to run or merge: every objective merged, failed or blocked.

    (A retried objective makes its wave active again.)
    """
    objectives = [plan.objective(t) for t in plan.waves[number - 1]]
    return all(o is None or o.status in SETTLED for o in objectives)


def next_wave(plan: CoordinationPlan) -> int | None:
    """The first wave (1-based) that has not ended, or None when every wave has ended."""
    for number in range(1, len(plan.waves) + 1):
        if not wave_ended(plan, number):
            return number
    return None


def check_order(plan: CoordinationPlan, wave: int) -> None:
    if not 1 <= wave <= len(plan.waves):
        raise UsageError(
            f"plan {plan.id} has waves 1 to {len(plan.waves)}, not {wave}",
            hint=f"ap start {plan.id} (the next wave), or --wave N with N from 1 to "
            f"{len(plan.waves)}",
        )
    earlier = [n for n in range(1, wave) if not wave_ended(plan, n)]
    if earlier:
        raise CheckFailed(
            f"wave {earlier[0]} of plan {plan.id} is not merged yet; wave {wave} cannot start",
            hint=f"finish wave {earlier[0]}, then `ap merge-wave {plan.id}`",
        )


def block_dependants(plan: CoordinationPlan, within: Collection[str] | None = None) -> list[str]:
    """Block every pending objective (of ``within``, default all) that depends, directly or
    not, on a failed or blocked one, naming the dependencies that hold it; their ids.

    The one rule for both places that notice a failure: the wave merge, and the start of
    the next wave when every objective of a wave failed (so nothing was merged). A start
    changes only its own wave's objectives (ap/run/steps.py verifies it).
    """
    stuck = {o.id for o in plan.objectives if o.status in STUCK}
    depends_on = {o.id: o.depends_on for o in plan.objectives}
    held = set(dependants(depends_on, sorted(stuck)))
    blocked: list[str] = []
    for objective in plan.objectives:
        if within is not None and objective.id not in within:
            continue
        if objective.id in held and objective.status == ObjectiveStatus.PENDING:
            holders = [d for d in objective.depends_on if d in stuck or d in held]
            objective.status = ObjectiveStatus.BLOCKED
            objective.status_reason = "depends on " + ", ".join(holders)
            blocked.append(objective.id)
    return blocked


def mark_wave_started(plan: CoordinationPlan, wave: int, base: str, ledger: Ledger) -> bool:
    """Record which objectives of ``wave`` run and which are blocked; True if anything changed."""
    changed = bool(block_dependants(plan, within=plan.waves[wave - 1]))
    now = utcnow()
    for task in plan.waves[wave - 1]:
        objective = plan.objective(task)
        if objective is None or objective.status != ObjectiveStatus.PENDING:
            continue
        objective.status = ObjectiveStatus.RUNNING
        objective.branch = ledger.objective_branch(task)
        objective.base = base
        objective.timings.started_at = now
        changed = True
    return changed


def start(
    git: Git,
    config: ApConfig,
    plan_id: str,
    *,
    wave: int | None = None,
    emit: Emit,
    prepare: Callable[[CoordinationPlan, int, str], bool] | None = None,
    tip: str | None = None,
) -> StartResult:
    """Start ``wave`` (default: the next one); ``prepare`` may change the plan in the same commit.

    ``prepare(plan, wave, tip)`` (``ap run`` records its choice of workers with it;
    ``tip``: the commit the start is built on) returns whether it changed anything;
    it is called again if the commit loses a race.
    ``tip`` is where the caller last saw the integration branch (a guess: a stale one
    only costs a lost compare-and-swap and another look).
    """
    ledger = Ledger(git, config, plan_id)
    guess = tip or ledger.tip()
    created = create_integration(git, config, ledger, looked=True) if guess is None else None
    guess = guess or created
    new: dict[str, str] = {}
    made = False
    for _ in range(MAX_RACES):
        guessed = guess is not None
        tip, guess = guess or ledger.require_tip(), None
        ledger.check(tip)
        plan = ledger.load(tip)
        number = wave if wave is not None else next_wave(plan)
        if number is None:
            return StartResult(plan, None, tip, created_integration=created is not None)
        check_order(plan, number)
        if wave_ended(plan, number):
            raise CheckFailed(f"wave {number} of plan {plan_id} has already ended")
        changed = mark_wave_started(plan, number, tip, ledger)
        if prepare is not None:
            changed = prepare(plan, number, tip) or changed
        if not changed:
            if guessed and ledger.tip() != tip:
                continue  # the guess was stale: look again
            break
        plan.status = PlanStatus.RUNNING
        message = f"chore(ap): start wave {number} of {plan_id}\n\n" + trailers(
            plan=plan_id, step="start", wave=str(number)
        )
        # the branches of the objectives it starts are created in the same transaction
        new = {
            f"refs/heads/{o.branch}": tip
            for t in plan.waves[number - 1]
            if (o := plan.objective(t)) is not None and o.branch and o.base == tip
        }
        committed, made = ledger.commit_creating(tip, plan, message, new)
        if committed is not None:
            tip = committed
            break
    else:
        raise CheckFailed(f"the integration branch of {plan_id} keeps moving; try again")
    result = StartResult(plan, number, tip, created_integration=created is not None)
    _branches(git, ledger, result, emit, set(new) if made else set())
    return result


def _branches(git: Git, ledger: Ledger, result: StartResult, emit: Emit, made: set[str]) -> None:
    """Create the running objectives' missing branches at their start commit (one transaction
    when none exists yet; those that do are left as they are); ``made``: the refs created
    with the start commit."""
    plan, number, plan_id = result.plan, result.wave, ledger.plan_id
    assert number is not None
    missing: dict[str, tuple[str, str]] = {}  # task -> (branch, start commit)
    for task in plan.waves[number - 1]:
        objective = plan.objective(task)
        if objective is None:
            continue
        if objective.status == ObjectiveStatus.BLOCKED:
            result.blocked.append(task)
            continue
        if objective.status not in (ObjectiveStatus.RUNNING, ObjectiveStatus.DONE):
            continue
        result.started.append(task)
        branch = objective.branch or ledger.objective_branch(task)
        if objective.base:
            missing[task] = (branch, objective.base)
    wanted = {f"refs/heads/{b}": base for b, base in missing.values()}
    made |= git.create_refs({ref: base for ref, base in wanted.items() if ref not in made})
    for task, (branch, base) in missing.items():
        if f"refs/heads/{branch}" not in made:
            continue
        result.created_branches.append(branch)
        emit(
            event(
                "objective_started",
                "execution",
                plan_id=plan_id,
                task=task,
                wave=number,
                branch=branch,
                base=base,
                message=f"{task}: branch {branch}",
            )
        )
