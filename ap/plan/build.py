"""Objectives → Coordination Plan: input checks, conflict graph, waves, forbid, validation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ap.errors import PlanInputError, ScopeError
from ap.models import (
    CoordinationPlan,
    IntegrationContract,
    Objective,
    ObjectiveSpec,
    Source,
)
from ap.plan.graph import conflict_graph, find_cycle
from ap.plan.schedule import schedule
from ap.plan.validate import compute_forbid, validate_plan
from ap.scope import parse_pattern

# An objective id becomes a branch name component: ap/<plan-id>/<task-id>.
_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def _normalise_scope(spec: ObjectiveSpec, field: str) -> list[str]:
    patterns: list[str] = getattr(spec, field)
    out = []
    for pattern in patterns:
        try:
            out.append(parse_pattern(pattern).text)
        except ScopeError as exc:
            raise PlanInputError(
                f"objective {spec.id} {field}: {exc.message}", hint=exc.hint
            ) from None
    return list(dict.fromkeys(out))


def check_specs(specs: Sequence[ObjectiveSpec]) -> None:
    """Refuse bad input (exit 2) naming the objective: ids, dependencies, cycles, patterns."""
    if not specs:
        raise PlanInputError("there are no objectives to plan")
    seen: set[str] = set()
    for spec in specs:
        if not _TASK_ID.match(spec.id):
            raise PlanInputError(
                f"objective id {spec.id!r} is not usable in a branch name",
                hint="use letters, digits, - and _ (e.g. T1)",
            )
        if spec.id in seen:
            raise PlanInputError(f"objective id {spec.id} is used twice")
        seen.add(spec.id)
        if not spec.title.strip():
            raise PlanInputError(f"objective {spec.id} has an empty title")
        if not spec.scope_touch:
            raise PlanInputError(f"objective {spec.id} has an empty scope_touch")
    _check_dependencies(specs, seen)
    for spec in specs:
        _normalise_scope(spec, "scope_touch")
        _normalise_scope(spec, "scope_read")


def _check_dependencies(specs: Sequence[ObjectiveSpec], known: set[str]) -> None:
    for spec in specs:
        for dep in spec.depends_on:
            if dep == spec.id:
                raise PlanInputError(f"objective {spec.id} depends on itself")
            if dep not in known:
                raise PlanInputError(f"objective {spec.id} depends on unknown objective {dep}")
    cycle = find_cycle({s.id: s.depends_on for s in specs})
    if cycle:
        raise PlanInputError("dependency cycle: " + " -> ".join(cycle))


def _objective(spec: ObjectiveSpec) -> Objective:
    return Objective(
        id=spec.id,
        title=spec.title.strip(),
        description=spec.description,
        depends_on=list(dict.fromkeys(spec.depends_on)),
        agent=spec.agent,
        complexity=spec.complexity,
        scope_touch=_normalise_scope(spec, "scope_touch"),
        scope_read=_normalise_scope(spec, "scope_read"),
        integration_points=spec.integration_points,
        constraints=spec.constraints,
        acceptance=spec.acceptance,
    )


def _contracts(objectives: Sequence[Objective]) -> list[IntegrationContract]:
    titles = {o.id: o.title for o in objectives}
    contracts = []
    for o in objectives:
        for dep in o.depends_on:
            description = (
                "; ".join(o.integration_points) or f"builds on the result of {dep} ({titles[dep]})"
            )
            contracts.append(
                IntegrationContract(provider=dep, consumer=o.id, description=description)
            )
    return contracts


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
    """The Coordination Plan for ``specs``: fewest waves, computed forbid, validation."""
    check_specs(specs)
    for pattern in allowed:
        try:
            parse_pattern(pattern)
        except ScopeError as exc:
            raise PlanInputError(f"--allow: {exc.message}") from None
    objectives = [_objective(s) for s in specs]
    conflicts = conflict_graph(objectives, case_sensitive=case_sensitive)
    result = schedule(
        [o.id for o in objectives],
        {o.id: o.depends_on for o in objectives},
        [(c.a, c.b) for c in conflicts],
        max_parallel,
    )
    wave_of = {t: n for n, wave in enumerate(result.waves, 1) for t in wave}
    for o in objectives:
        o.wave = wave_of[o.id]
    forbid = compute_forbid(objectives, global_forbid)
    for o in objectives:
        o.scope_forbid = forbid[o.id]
    plan = CoordinationPlan(
        id=plan_id,
        analysis_id=analysis_id,
        request=request,
        source=source or Source(),
        base_commit=base_commit,
        integration_branch=integration_branch,
        max_parallel=max_parallel,
        objectives=objectives,
        waves=result.waves,
        integration_contracts=_contracts(objectives),
        global_forbid=list(global_forbid),
        allowed=[parse_pattern(a).text for a in allowed],
    )
    plan.scope_validation = validate_plan(
        plan, case_sensitive=case_sensitive, must_change=must_change
    )
    return plan
