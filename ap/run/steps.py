"""What each step of ap may change on a plan's integration branch.

A commit on ``<prefix><plan>/integration`` is ap's own only when it is one of
ap's steps, named by its ``AP-Plan`` and ``AP-Step`` trailers. A trailer is only
text, so the commit's content must also be what that step makes: its change
since its first parent limited to the step's files, the plan's scopes unchanged,
the objectives' statuses moved only as that step moves them, and for a merge
exactly the union of the merged objectives' changes, each inside its scope.
:mod:`ap.run.integrity` applies these rules to every commit it has not seen before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ap.core.errors import ScopeError
from ap.core.models import CoordinationPlan, ObjectiveStatus
from ap.git import DiffEntry
from ap.plan.validate import validate_plan
from ap.run.grants import ACTIVE, refusal

if TYPE_CHECKING:
    from ap.run.ledger import Ledger

PENDING, RUNNING, DONE = ObjectiveStatus.PENDING, ObjectiveStatus.RUNNING, ObjectiveStatus.DONE
MERGED, FAILED, BLOCKED = ObjectiveStatus.MERGED, ObjectiveStatus.FAILED, ObjectiveStatus.BLOCKED
NO_CHANGE = ObjectiveStatus.NO_CHANGE
WORKING = (RUNNING, DONE)
REGULAR = "100644"  # the mode of every file ap writes itself

# status, branch, start commit, merged head: what the steps move
State = tuple[ObjectiveStatus, str | None, str | None, str | None]
Moves = dict[str, tuple[State, State]]


def _states(plan: CoordinationPlan) -> dict[str, State]:
    return {o.id: (o.status, o.branch, o.base, o.head) for o in plan.objectives}


def _moves(old: CoordinationPlan, new: CoordinationPlan) -> Moves:
    """The objectives whose state differs (both plans have the same objectives)."""
    before, after = _states(old), _states(new)
    return {task: (before[task], after[task]) for task in before if before[task] != after[task]}


def _stuck(plan: CoordinationPlan, task: str) -> bool:
    """Whether ``task`` keeps its dependants blocked (it failed, or is blocked itself)."""
    objective = plan.objective(task)
    return objective is None or objective.status in (FAILED, BLOCKED)


def _grants(plan: CoordinationPlan) -> list[tuple[str, str]]:
    return [(g.task, g.pattern) for g in plan.grants]


@dataclass(frozen=True)
class Step:
    """One commit on the integration branch, as the rules see it."""

    oid: str
    parents: tuple[str, ...]
    trailers: dict[str, str]
    old: CoordinationPlan  # the plan at its first parent (already known to be ap's)
    new: CoordinationPlan
    changes: list[DiffEntry]  # from its first parent

    @property
    def name(self) -> str:
        return self.trailers.get("AP-Step", "")

    @property
    def parent(self) -> str:
        return self.parents[0]

    def wave(self) -> int | None:
        text = self.trailers.get("AP-Wave", "")
        number = int(text) if text.isdigit() else 0
        return number if 1 <= number <= len(self.old.waves) else None


class Rules:
    """The steps of ap, each a check of a commit claiming to be it (None: it is)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.git = ledger.git
        self.case_sensitive = ledger.config.case_sensitive_scopes
        state = ledger.config.state_dir
        self.plan_path = ledger.plan_path
        self.report_path = f"{state}/accomplishments/ACCOMPLISHMENT_{ledger.plan_id}.md"
        self.analysis_folder = f"{state}/analyses/"

    # -- the plan's first commit --------------------------------------------

    def first(
        self, parents: Sequence[str], plan: CoordinationPlan, changes: list[DiffEntry]
    ) -> str | None:
        """Why the commit is not the first commit ``ap start`` makes, or None."""
        problem = self._origin(parents, plan)
        if problem is not None:
            return problem
        fresh = all(s == (PENDING, None, None, None) for s in _states(plan).values())
        if not fresh or plan.grants or plan.wave_records:
            return "its plan records work no plan has done when it starts"
        analysis = (
            f"{self.analysis_folder}ANALYSIS_{plan.analysis_id}.md" if plan.analysis_id else None
        )
        problem = self._only(changes, {self.plan_path, *([analysis] if analysis else [])}, "plan")
        if problem is not None:
            return problem
        result = validate_plan(plan, case_sensitive=self.case_sensitive)
        if not result.valid:
            return "its plan is invalid: " + "; ".join(v.message for v in result.violations[:3])
        return None

    def _origin(self, parents: Sequence[str], plan: CoordinationPlan) -> str | None:
        """The first commit is this plan's, on the base it names, which holds none of it."""
        ledger = self.ledger
        if len(parents) != 1 or plan.base_commit != parents[0]:
            return "its parent is not the base commit its plan names"
        if plan.id != ledger.plan_id or plan.integration_branch != ledger.branch:
            return f"its plan is not plan {ledger.plan_id} on {ledger.branch}"
        if self.git.rev_list("-n", "1", f"--grep=^AP-Plan: {ledger.plan_id}$", parents[0]):
            return f"its parent already holds commits of plan {ledger.plan_id}: it is not the first"
        return None

    # -- every later commit -------------------------------------------------

    def problem(self, step: Step) -> str | None:
        """Why ``step`` is not a commit ap could have made on top of its first parent, or None."""
        check = self._checks().get(step.name)
        if step.trailers.get("AP-Plan") != self.ledger.plan_id or check is None:
            return f"it is not a step of ap for plan {self.ledger.plan_id} (no AP-Plan/AP-Step)"
        if step.name != "merge" and len(step.parents) != 1:
            return f"it has {len(step.parents)} parents; a {step.name} step has one"
        if scope_terms(step.old) != scope_terms(step.new):
            return "it changes the plan's objectives, waves or scopes, which no step of ap does"
        if step.name != "grant" and _grants(step.old) != _grants(step.new):
            return "it changes the plan's scope grants, which only a grant step does"
        return check(step)

    def _checks(self) -> dict[str, Callable[[Step], str | None]]:
        return {
            "start": self._start,
            "grant": self._grant,
            "retry": self._retry,
            "fail": self._fail,
            "cancel": self._cancel,
            "merge": self._merge,
            "accomplish": self._accomplish,
        }

    def _only(self, changes: list[DiffEntry], allowed: set[str], step: str) -> str | None:
        """None when ``changes`` only add or rewrite ``allowed`` files (as regular files)."""
        extra = sorted({e.path for e in changes} - allowed)
        if extra:
            shown = ", ".join(extra[:5]) + (" …" if len(extra) > 5 else "")
            return f"it changes {shown}, which a {step} step never changes"
        odd = [e.path for e in changes if e.status not in ("A", "M") or e.new_mode != REGULAR]
        if odd:
            return f"it deletes {odd[0]} or makes it other than a regular file"
        return None

    def _state_step(self, step: Step, allowed: Callable[[str, State, State], bool]) -> str | None:
        """A step that only rewrites the plan, moving objectives as ``allowed`` says."""
        problem = self._only(step.changes, {self.plan_path}, step.name)
        if problem is not None:
            return problem
        for task, (before, after) in _moves(step.old, step.new).items():
            if not allowed(task, before, after):
                return (
                    f"it moves {task} from {before[0].value} to {after[0].value}, "
                    f"which a {step.name} step does not"
                )
        return None

    def _start(self, step: Step) -> str | None:
        wave = step.wave()
        if wave is None:
            return "it names no wave of the plan (AP-Wave)"

        def allowed(task: str, before: State, after: State) -> bool:
            objective = step.old.objective(task)
            if objective is None or objective.wave != wave or before[0] != PENDING:
                return False
            started = (RUNNING, self.ledger.objective_branch(task), step.parent, None)
            return after == started or after == (BLOCKED, *before[1:])

        return self._state_step(step, allowed)

    def _fail(self, step: Step) -> str | None:
        wave = step.wave()
        if wave is None:
            return "it names no wave of the plan (AP-Wave)"

        def allowed(task: str, before: State, after: State) -> bool:
            objective = step.old.objective(task)
            in_wave = objective is not None and objective.wave == wave
            return in_wave and before[0] in WORKING and after == (FAILED, *before[1:])

        return self._state_step(step, allowed)

    def _cancel(self, step: Step) -> str | None:
        return self._state_step(step, lambda task, before, after: False)

    def _retry(self, step: Step) -> str | None:
        task = step.trailers.get("AP-Task", "")
        if task not in _moves(step.old, step.new):
            return f"it does not retry the objective it names ({task or 'no AP-Task'})"

        def allowed(name: str, before: State, after: State) -> bool:
            if name == task:
                status, branch, base, head = after
                fresh = (status, branch, head) == (
                    RUNNING,
                    self.ledger.objective_branch(name),
                    None,
                )
                return before[0] == FAILED and fresh and self._started_on_branch(base, step)
            objective = step.new.objective(name)  # freed: nothing it depends on is stuck now
            holders = [] if objective is None else objective.depends_on
            stuck = any(_stuck(step.new, d) for d in holders)
            return not stuck and before[0] == BLOCKED and after == (PENDING, *before[1:])

        return self._state_step(step, allowed)

    def _started_on_branch(self, base: str | None, step: Step) -> bool:
        """A retried objective starts on the integration branch: its first parent or earlier."""
        return base is not None and (base == step.parent or self.git.is_ancestor(base, step.parent))

    def _grant(self, step: Step) -> str | None:
        from ap.scope import parse_pattern

        problem = self._state_step(step, lambda task, before, after: False)
        if problem is not None:
            return problem
        old, new = _grants(step.old), _grants(step.new)
        if len(new) != len(old) + 1 or new[: len(old)] != old:
            return "it does not add exactly one scope grant"
        task, pattern = new[-1]
        objective = step.old.objective(task)
        if task != step.trailers.get("AP-Task") or objective is None:
            return "its grant is not for the objective it names (AP-Task)"
        if objective.status not in ACTIVE:
            return f"it grants {pattern!r} to {task}, which is {objective.status.value}"
        try:
            normal = parse_pattern(pattern).text == pattern
        except ScopeError:
            normal = False
        refused = refusal(step.old, task, pattern, self.case_sensitive) if normal else "malformed"
        if refused is not None:
            return f"its grant of {pattern!r} to {task} would have been refused: {refused}"
        return None

    def _accomplish(self, step: Step) -> str | None:
        from ap.run.docsync import SECTIONS
        from ap.run.notes import is_note_path

        if _moves(step.old, step.new):
            return "it changes objectives' statuses, which the accomplishment does not"
        state, plan_id = self.ledger.config.state_dir, self.ledger.plan_id
        # the loose notes it files: new files, each one plain name in the plan's notes folder
        notes = {e.path for e in step.changes if is_note_path(e.path, state, plan_id)}
        allowed = {self.plan_path, self.report_path, *SECTIONS, *notes}
        problem = self._only(step.changes, allowed, "accomplish")
        if problem is not None:
            return problem
        for entry in step.changes:
            if entry.path in notes and entry.status != "A":
                return f"it changes {entry.path}, a note the accomplishment only adds"
            if entry.path in SECTIONS and not self._section_only(entry, SECTIONS[entry.path]):
                return f"it changes {entry.path} outside its managed section"
        return None

    def _section_only(self, entry: DiffEntry, section: str) -> bool:
        """An existing file whose only change is its managed ``section``."""
        from ap.core.errors import ArtifactError
        from ap.state.sections import read_section, update_section

        if entry.status != "M" or entry.old_mode not in (REGULAR, "100755"):
            return False
        blobs = self.git.read_blobs([entry.old_oid, entry.new_oid])
        if len(blobs) != 2:
            return False
        before, after = (
            blobs[o].decode("utf-8", "replace") for o in (entry.old_oid, entry.new_oid)
        )
        content = read_section(after, section)
        try:
            return content is not None and update_section(before, section, content) == after
        except ArtifactError:
            return False

    # -- a wave's merge -----------------------------------------------------

    def _merge(self, step: Step) -> str | None:
        wave = step.wave()
        if wave is None:
            return "it names no wave of the plan (AP-Wave)"
        merged: dict[str, str] = {}  # task -> its merged commit
        for task, (before, after) in _moves(step.old, step.new).items():
            objective = step.old.objective(task)
            if before[0] == PENDING and after == (BLOCKED, *before[1:]):
                continue  # a dependant of a failure
            ran = objective is not None and objective.wave == wave and before[0] in WORKING
            if ran and after == (FAILED, *before[1:]):
                continue
            landed = after[0] in (MERGED, NO_CHANGE)
            if ran and landed and after[1:3] == before[1:3] and after[3]:
                merged[task] = after[3]
                continue
            return f"it moves {task} from {before[0].value} to {after[0].value}"
        if sorted(merged.values()) != sorted(step.parents[1:]):
            return "its merged parents are not the objectives it records as merged"
        quiet = {t for t in merged if (o := step.new.objective(t)) and o.status == NO_CHANGE}
        return self._union(step, merged, quiet)

    def _union(self, step: Step, merged: dict[str, str], quiet: set[str]) -> str | None:
        """The merge's change is exactly the union of the merged objectives' changes since
        their start, each inside the objective's scope (as the plan before it says); one
        recorded as no change changed nothing but its report."""
        from ap.core.ids import report_relpath
        from ap.run.enforce import ObjectiveScope, check_diff

        data = step.old.model_dump(mode="json")
        scopes = {t: ObjectiveScope.from_plan(data, t, self.ledger.settings) for t in merged}
        for task, head in merged.items():
            base = scopes[task].base
            if base is None or not self.git.is_ancestor(base, head):
                return f"{task}'s merged commit {head[:12]} does not hold its start commit"
        pairs = [(str(scopes[t].base), head) for t, head in merged.items()]
        union: dict[str, tuple[str, str]] = {}
        for task, entries in zip(merged, self.git.diff_raw_pairs(pairs), strict=True):
            violations = check_diff(self.git, scopes[task], entries, str(scopes[task].base))
            if violations:
                return f"{task}'s merged change leaves its scope: {violations[0].describe()}"
            report = report_relpath(self.ledger.config.state_dir, self.ledger.plan_id, task)
            changed = next((e.path for e in entries if e.path != report), None)
            if task in quiet and changed is not None:
                return f"it records {task} as no change, but {task} changed {changed}"
            union.update({e.path: (e.new_mode, e.new_oid) for e in entries})
        actual = {e.path: (e.new_mode, e.new_oid) for e in step.changes if e.path != self.plan_path}
        differing = sorted(p for p in union.keys() | actual.keys() if union.get(p) != actual.get(p))
        if differing:
            shown = ", ".join(differing[:5]) + (" …" if len(differing) > 5 else "")
            return f"its change is not the union of the merged objectives' changes (at {shown})"
        return None


def scope_terms(plan: CoordinationPlan) -> tuple[object, ...]:
    """Everything of a plan that decides who may change what, and what is checked: no
    step of ap changes it (a grant is added by its own step, checked apart)."""
    return (
        plan.id,
        plan.integration_branch,
        plan.base_commit,
        tuple(plan.global_forbid),
        tuple(plan.allowed),
        tuple(tuple(wave) for wave in plan.waves),
        plan.max_parallel,
        tuple(
            (
                o.id,
                o.wave,
                tuple(o.depends_on),
                tuple(o.scope_touch),
                tuple(o.scope_read),
                tuple(o.scope_forbid),
                tuple(o.integration_points),
            )
            for o in plan.objectives
        ),
        # what is checked after each wave: a step dropping a promise would skip its check
        tuple(tuple(c.model_dump().values()) for c in plan.integration_contracts),
    )
