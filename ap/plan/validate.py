"""The validation rules of a Coordination Plan (DESIGN.md §5).

Run by ``ap plan`` on a fresh plan and by ``ap validate`` on a hand-edited one.
Every violation names the objectives and, where a path is involved, a witness.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.errors import ScopeError
from ap.models import CoordinationPlan, Objective, ScopeValidation, Violation
from ap.plan.graph import conflict_graph, find_cycle
from ap.plan.schedule import schedule
from ap.scope import covers, parse_pattern
from ap.scope.overlap import reaches


def compute_forbid(
    objectives: Sequence[Objective], global_forbid: Sequence[str]
) -> dict[str, list[str]]:
    """scope_forbid of each objective: the global forbid and every same-wave objective's touch."""
    result: dict[str, list[str]] = {}
    for o in objectives:
        others = [
            p
            for other in objectives
            if other.wave == o.wave and other.id != o.id
            for p in other.scope_touch
        ]
        result[o.id] = list(dict.fromkeys([*global_forbid, *others]))
    return result


def _pattern_violations(plan: CoordinationPlan) -> list[Violation]:
    found = []
    for o in plan.objectives:
        for field in ("scope_touch", "scope_read"):
            for pattern in getattr(o, field):
                try:
                    parse_pattern(pattern)
                except ScopeError as exc:
                    found.append(
                        Violation(
                            rule="invalid_pattern",
                            message=f"{o.id} {field}: {exc.message}",
                            objectives=[o.id],
                        )
                    )
        if not o.scope_touch:
            found.append(
                Violation(
                    rule="empty_scope",
                    message=f"{o.id} has an empty scope_touch",
                    objectives=[o.id],
                )
            )
    return found


def _dependency_violations(plan: CoordinationPlan) -> list[Violation]:
    found = []
    ids = [o.id for o in plan.objectives]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(
            Violation(
                rule="duplicate_id", message=f"objective id {dup} is used twice", objectives=[dup]
            )
        )
    known = set(ids)
    wave_of = {o.id: o.wave for o in plan.objectives}
    for o in plan.objectives:
        for dep in o.depends_on:
            if dep not in known:
                found.append(
                    Violation(
                        rule="unknown_dependency",
                        message=f"{o.id} depends on unknown objective {dep}",
                        objectives=[o.id],
                    )
                )
            elif dep == o.id:
                found.append(
                    Violation(
                        rule="dependency_cycle",
                        message=f"{o.id} depends on itself",
                        objectives=[o.id],
                    )
                )
            elif wave_of[dep] >= o.wave:
                found.append(
                    Violation(
                        rule="dependency_order",
                        message=f"{o.id} (wave {o.wave}) depends on {dep} (wave {wave_of[dep]}), "
                        "which must come in an earlier wave",
                        objectives=[o.id, dep],
                    )
                )
        if o.depends_on and not o.integration_points:
            found.append(
                Violation(
                    rule="integration_points_missing",
                    message=f"{o.id} depends on {', '.join(o.depends_on)} "
                    "but declares no integration points",
                    objectives=[o.id],
                )
            )
    cycle = find_cycle(
        {o.id: [d for d in o.depends_on if d in known and d != o.id] for o in plan.objectives}
    )
    if cycle:
        found.append(
            Violation(
                rule="dependency_cycle",
                message="dependency cycle: " + " -> ".join(cycle),
                objectives=cycle[:-1],
            )
        )
    return found


def _wave_violations(plan: CoordinationPlan, max_parallel: int | None) -> list[Violation]:
    found = []
    listed = [t for wave in plan.waves for t in wave]
    for o in plan.objectives:
        count = listed.count(o.id)
        position = next((n for n, wave in enumerate(plan.waves, 1) if o.id in wave), None)
        if count != 1 or position != o.wave:
            found.append(
                Violation(
                    rule="wave_mismatch",
                    message=f"{o.id} has wave {o.wave} but appears {count} time(s) in waves "
                    f"(at wave {position})",
                    objectives=[o.id],
                )
            )
    known = {o.id for o in plan.objectives}
    for t in sorted(set(listed) - known):
        found.append(
            Violation(
                rule="wave_mismatch", message=f"waves list unknown objective {t}", objectives=[t]
            )
        )
    for n, wave in enumerate(plan.waves, 1):
        if max_parallel is not None and len(wave) > max_parallel:
            found.append(
                Violation(
                    rule="max_parallel",
                    message=f"wave {n} has {len(wave)} objectives, "
                    f"more than max_parallel {max_parallel}",
                    objectives=list(wave),
                )
            )
    return found


def _touch_allowed(touch: str, allowed: Sequence[str], case_sensitive: bool) -> bool:
    """Whether every path ``touch`` covers is covered by an allowed pattern (sound, not complete).

    True when ``touch`` is an allowed pattern itself, or is a plain path (no glob)
    that an allowed pattern covers — then everything below it is covered too.
    """
    parsed = parse_pattern(touch)
    if parsed.text in {parse_pattern(a).text for a in allowed}:
        return True
    if parsed.literal_prefix != parsed.text:
        return False
    path = parsed.text.rstrip("/")
    return any(covers(a, path, case_sensitive=case_sensitive) for a in allowed)


def _forbid_violations(
    o: Objective, plan: CoordinationPlan, case_sensitive: bool
) -> list[Violation]:
    found = []
    for touch in o.scope_touch:
        for forbidden in plan.global_forbid:
            witness = reaches(touch, forbidden, case_sensitive=case_sensitive)
            if witness is None or _touch_allowed(touch, plan.allowed, case_sensitive):
                continue
            message = (
                f"{o.id} may edit {witness}, which the global forbid {forbidden!r} protects; "
                f"allow it for this plan with --allow {touch}"
            )
            found.append(
                Violation(rule="global_forbid", message=message, objectives=[o.id], witness=witness)
            )
    return found


def _scope_violations(plan: CoordinationPlan, case_sensitive: bool) -> list[Violation]:
    found = []
    expected = compute_forbid(plan.objectives, plan.global_forbid)
    for o in plan.objectives:
        missing = [p for p in expected[o.id] if p not in o.scope_forbid]
        if missing:
            message = f"{o.id} scope_forbid lacks {', '.join(missing)}"
            found.append(
                Violation(rule="scope_forbid_incomplete", message=message, objectives=[o.id])
            )
        found += _forbid_violations(o, plan, case_sensitive)
    return found


def _coverage_violations(
    plan: CoordinationPlan, must_change: Sequence[str], case_sensitive: bool
) -> list[Violation]:
    found = []
    for path in must_change:
        if not any(
            covers(p, path, case_sensitive=case_sensitive)
            for o in plan.objectives
            for p in o.scope_touch
        ):
            found.append(
                Violation(
                    rule="must_change_uncovered",
                    message=f"{path} must change but no objective's scope_touch covers it",
                    witness=path,
                )
            )
    return found


def validate_plan(
    plan: CoordinationPlan,
    *,
    case_sensitive: bool = False,
    must_change: Sequence[str] = (),
) -> ScopeValidation:
    """Re-check every rule of a plan; the result lists conflicts and every violation."""
    violations = _pattern_violations(plan)
    if violations:  # nothing else can be decided on patterns that don't parse
        return ScopeValidation(valid=False, violations=violations)
    violations += _dependency_violations(plan)
    violations += _wave_violations(plan, plan.max_parallel)
    conflicts = conflict_graph(plan.objectives, case_sensitive=case_sensitive)
    wave_of = {o.id: o.wave for o in plan.objectives}
    for c in conflicts:
        if wave_of.get(c.a) == wave_of.get(c.b):
            violations.append(
                Violation(
                    rule="scope_overlap",
                    message=f"{c.a} and {c.b} are both in wave {wave_of[c.a]} "
                    f"and may both edit {c.witness}",
                    objectives=[c.a, c.b],
                    witness=c.witness,
                )
            )
    violations += _scope_violations(plan, case_sensitive)
    violations += _coverage_violations(plan, must_change, case_sensitive)
    bound, optimal = 0, False
    if not any(
        v.rule in ("dependency_cycle", "unknown_dependency", "duplicate_id") for v in violations
    ):
        best = schedule(
            [o.id for o in plan.objectives],
            {o.id: o.depends_on for o in plan.objectives},
            [(c.a, c.b) for c in conflicts],
            plan.max_parallel,
        )
        bound = best.lower_bound
        optimal = best.optimal and len(plan.waves) == len(best.waves)
    return ScopeValidation(
        valid=not violations,
        conflicts=conflicts,
        violations=violations,
        lower_bound=bound,
        optimal=optimal,
    )
