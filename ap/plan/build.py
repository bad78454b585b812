"""Objectives → Coordination Plan: input checks, conflict graph, waves, forbid, validation."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ap.core.errors import PlanInputError, ScopeError
from ap.core.models import (
    CoordinationPlan,
    Objective,
    ObjectiveSpec,
    Source,
)
from ap.plan.contracts import derive_contracts
from ap.plan.graph import conflict_graph, find_cycle
from ap.plan.schedule import schedule
from ap.plan.validate import check_plan
from ap.scope import parse_pattern

# An objective id becomes a branch name component, ap/<plan-id>/<task-id>; this
# is the safe part of git's rules (git check-ref-format).
_TASK_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# ap/<plan-id>/integration is the plan's own branch.
_RESERVED = frozenset({"integration"})


def _id_problem(tid: str) -> str | None:
    if not _TASK_ID.fullmatch(tid) or ".." in tid or tid.endswith((".", ".lock")):
        return (
            f"objective id {tid!r} is not usable in a branch name "
            "(letters, digits, '-', '_' and '.'; not starting with '.' or '-')"
        )
    if tid.lower() in _RESERVED:
        return f"objective id {tid!r} is reserved for the plan's integration branch"
    return None


def _normalise(spec: ObjectiveSpec, field: str) -> list[str]:
    """The patterns of one scope field, normalised and deduplicated; refuses bad ones."""
    out = []
    for pattern in getattr(spec, field):
        try:
            out.append(parse_pattern(pattern).text)
        except ScopeError as exc:
            raise PlanInputError(
                f"objective {spec.id} {field}: {exc.message}", hint=exc.hint
            ) from None
    return list(dict.fromkeys(out))


def _objective_problems(specs: Sequence[ObjectiveSpec]) -> Iterator[str]:
    seen: dict[str, str] = {}  # case-folded: T1 and t1 are one branch on macOS
    for spec in specs:
        problem = _id_problem(spec.id)
        if problem:
            yield problem
        if spec.id.lower() in seen:
            other = seen[spec.id.lower()]
            same = "" if other == spec.id else f" (as {other})"
            yield f"objective id {spec.id} is used twice{same}"
        seen.setdefault(spec.id.lower(), spec.id)
        if not spec.title.strip():
            yield f"objective {spec.id} has an empty title"
        if not spec.scope_touch:
            yield f"objective {spec.id} has an empty scope_touch"


def _dependency_problems(specs: Sequence[ObjectiveSpec]) -> Iterator[str]:
    known = {s.id for s in specs}
    for spec in specs:
        for dep in spec.depends_on:
            if dep == spec.id:
                yield f"objective {spec.id} depends on itself"
            elif dep not in known:
                yield f"objective {spec.id} depends on unknown objective {dep}"
    cycle = find_cycle({s.id: [d for d in s.depends_on if d != s.id] for s in specs})
    if cycle:
        yield "dependency cycle: " + " -> ".join(cycle)


def check_specs(specs: Sequence[ObjectiveSpec]) -> None:
    """Refuse bad input (exit 2), naming the objective and the pattern; lists every problem."""
    if not specs:
        raise PlanInputError(
            "there are no objectives to plan",
            hint="name files or folders of this repository in the request, or give them: "
            "ap plan --from objectives.yaml",
        )
    problems = list(dict.fromkeys([*_objective_problems(specs), *_dependency_problems(specs)]))
    for spec in specs:
        for field in ("scope_touch", "scope_read"):
            try:
                _normalise(spec, field)
            except PlanInputError as exc:
                problems.append(exc.message)
    if problems:
        raise PlanInputError(
            "\n".join(problems), hint="fix the objectives and run the command again"
        )


def _parse_list(patterns: Sequence[str], what: str, *, git_dir: bool = False) -> list[str]:
    out = []
    for pattern in patterns:
        try:
            out.append(parse_pattern(pattern, allow_git_dir=git_dir).text)
        except ScopeError as exc:
            raise PlanInputError(f"{what}: {exc.message}", hint=exc.hint) from None
    return list(dict.fromkeys(out))


def _objective(spec: ObjectiveSpec) -> Objective:
    return Objective(
        id=spec.id,
        title=spec.title.strip(),
        description=spec.description,
        depends_on=list(dict.fromkeys(spec.depends_on)),
        agent=spec.agent,
        complexity=spec.complexity,
        scope_touch=_normalise(spec, "scope_touch"),
        scope_read=_normalise(spec, "scope_read"),
        integration_points=spec.integration_points,
        constraints=spec.constraints,
        acceptance=spec.acceptance,
    )


def build_plan(
    specs: Sequence[ObjectiveSpec],
    *,
    plan_id: str,
    request: str,
    global_forbid: Sequence[str],
    allowed: Sequence[str] = (),
    max_parallel: int | None = None,
    case_sensitive: bool = False,
    must_change: Sequence[str] = (),
    base_commit: str | None = None,
    analysis_id: str | None = None,
    integration_branch: str = "",
    source: Source | None = None,
) -> CoordinationPlan:
    """The Coordination Plan for ``specs``: fewest waves, validation.

    The global forbid is recorded once; each objective's effective scope_forbid is
    derived from it and the waves (:meth:`CoordinationPlan.forbid_of`).

    Bad input raises PlanInputError (exit 2); a plan that breaks a rule (e.g. a
    touch of a forbidden path without ``allowed``) is returned with
    ``scope_validation.valid`` False and every violation listed.
    """
    check_specs(specs)
    if max_parallel is not None and max_parallel < 1:
        raise PlanInputError(
            f"max_parallel must be at least 1, not {max_parallel}",
            hint="set `max_parallel` in ap.yaml to 1 or more, or leave it out",
        )
    forbid = _parse_list(global_forbid, "global forbid", git_dir=True)
    allow = _parse_list(allowed, "--allow")
    objectives = [_objective(s) for s in specs]
    conflicts = conflict_graph(objectives, case_sensitive=case_sensitive)
    best = schedule(
        [o.id for o in objectives],
        {o.id: o.depends_on for o in objectives},
        [(c.a, c.b) for c in conflicts],
        max_parallel,
    )
    wave_of = {t: n for n, wave in enumerate(best.waves, 1) for t in wave}
    for o in objectives:
        o.wave = wave_of[o.id]
    plan = CoordinationPlan(
        id=plan_id,
        analysis_id=analysis_id,
        request=request,
        source=source or Source(),
        base_commit=base_commit,
        integration_branch=integration_branch,
        max_parallel=max_parallel,
        objectives=objectives,
        waves=best.waves,
        integration_contracts=derive_contracts(objectives, case_sensitive=case_sensitive),
        global_forbid=forbid,
        allowed=allow,
    )
    plan.scope_validation = check_plan(
        plan, case_sensitive=case_sensitive, must_change=must_change, best=best
    )
    return plan
