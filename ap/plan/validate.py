"""The validation rules of a Coordination Plan (docs/DESIGN.md §5).

Run by ``ap plan`` on a fresh plan and by ``ap validate`` on a hand-edited one.
Every broken rule becomes a :class:`Violation` naming the objectives and, where
a path is involved, a witness; nothing here raises on a bad plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from ap.core.errors import ScopeError
from ap.core.models import Conflict, CoordinationPlan, ScopeValidation, Violation
from ap.plan.forbid import aimed, allowed_by
from ap.plan.graph import find_cycle
from ap.plan.schedule import Schedule, schedule
from ap.scope import Pattern, covers, find_conflicts, parse_pattern
from ap.scope.pattern import fold_case

# Rules after which no schedule can be computed for the objectives.
_UNSCHEDULABLE = frozenset({"duplicate_id", "unknown_dependency", "dependency_cycle"})
# Rules after which the waves are not a schedule, so "optimal" is False.
_STRUCTURE = frozenset(
    {
        "duplicate_id",
        "unknown_dependency",
        "dependency_cycle",
        "dependency_order",
        "wave_mismatch",
        "max_parallel",
        "scope_overlap",
    }
)


def _violation(
    rule: str, message: str, objectives: Iterable[str] = (), witness: str | None = None
) -> Violation:
    return Violation(rule=rule, message=message, objectives=list(objectives), witness=witness)


class _Patterns:
    """Every pattern of the plan parsed once; the rejected ones become violations."""

    def __init__(self, plan: CoordinationPlan) -> None:
        self.violations: list[Violation] = []
        self.touch = {
            o.id: self._parse(o.scope_touch, f"{o.id} scope_touch", o.id) for o in plan.objectives
        }
        for o in plan.objectives:
            self._parse(o.scope_read, f"{o.id} scope_read", o.id)
            self._parse(o.scope_forbid, f"{o.id} scope_forbid", o.id, git_dir=True)
        self.forbid = self._parse(plan.global_forbid, "global_forbid", None, git_dir=True)
        self.allowed = self._parse(plan.allowed, "allowed", None)

    def _parse(
        self, patterns: Sequence[str], where: str, owner: str | None, *, git_dir: bool = False
    ) -> list[Pattern]:
        parsed = []
        for text in patterns:
            try:
                parsed.append(parse_pattern(text, allow_git_dir=git_dir))
            except ScopeError as exc:
                self.violations.append(
                    _violation(
                        "invalid_pattern", f"{where}: {exc.message}", [owner] if owner else []
                    )
                )
        return parsed


def _identity(plan: CoordinationPlan) -> Iterator[Violation]:
    counts = Counter(o.id for o in plan.objectives)
    for tid in sorted(t for t, n in counts.items() if n > 1):
        yield _violation("duplicate_id", f"objective id {tid} is used twice", [tid])
    for o in plan.objectives:
        if not o.scope_touch:
            yield _violation("empty_scope", f"{o.id} has an empty scope_touch", [o.id])


def _dependencies(plan: CoordinationPlan) -> Iterator[Violation]:
    wave_of = {o.id: o.wave for o in plan.objectives}
    for o in plan.objectives:
        for dep in o.depends_on:
            if dep == o.id:
                yield _violation("dependency_cycle", f"{o.id} depends on itself", [o.id])
            elif dep not in wave_of:
                yield _violation(
                    "unknown_dependency", f"{o.id} depends on unknown objective {dep}", [o.id]
                )
            elif wave_of[dep] >= o.wave:
                message = (
                    f"{o.id} (wave {o.wave}) depends on {dep} (wave {wave_of[dep]}), "
                    "which must come in an earlier wave"
                )
                yield _violation("dependency_order", message, [o.id, dep])
        if o.depends_on and not o.integration_points:
            message = (
                f"{o.id} depends on {', '.join(o.depends_on)} but declares no integration points"
            )
            yield _violation("integration_points_missing", message, [o.id])
    cycle = find_cycle({o.id: [d for d in o.depends_on if d != o.id] for o in plan.objectives})
    if cycle:
        yield _violation("dependency_cycle", "dependency cycle: " + " -> ".join(cycle), cycle[:-1])


def _waves(plan: CoordinationPlan) -> Iterator[Violation]:
    position: dict[str, list[int]] = {}
    for number, wave in enumerate(plan.waves, 1):
        if not wave:
            yield _violation("wave_mismatch", f"wave {number} is empty")
        for tid in wave:
            position.setdefault(tid, []).append(number)
    for o in plan.objectives:
        listed = position.pop(o.id, [])
        if listed != [o.wave]:
            where = ", ".join(map(str, listed)) or "no wave"
            message = f"{o.id} has wave {o.wave} but the waves list it in {where}"
            yield _violation("wave_mismatch", message, [o.id])
    for tid in position:
        yield _violation("wave_mismatch", f"the waves list unknown objective {tid}", [tid])
    cap = plan.max_parallel
    if cap is not None and cap < 1:
        yield _violation("max_parallel", f"max_parallel is {cap}; it must be at least 1")
        return
    for number, wave in enumerate(plan.waves, 1):
        if cap is not None and len(wave) > cap:
            message = f"wave {number} has {len(wave)} objectives, more than max_parallel {cap}"
            yield _violation("max_parallel", message, wave)


def _exclusivity(plan: CoordinationPlan, conflicts: list[Conflict]) -> Iterator[Violation]:
    wave_of = {o.id: o.wave for o in plan.objectives}
    for c in conflicts:
        if wave_of[c.a] == wave_of[c.b]:
            message = (
                f"{c.a} and {c.b} are both in wave {wave_of[c.a]} and may both edit {c.witness}"
            )
            yield _violation("scope_overlap", message, [c.a, c.b], c.witness)


def _forbid(
    plan: CoordinationPlan, patterns: _Patterns, case_sensitive: bool
) -> Iterator[Violation]:
    for o in plan.objectives:
        for touch in patterns.touch[o.id]:
            for forbid in patterns.forbid:
                witness = aimed(touch, forbid, case_sensitive=case_sensitive)
                if witness is None or allowed_by(
                    touch, forbid, patterns.allowed, case_sensitive=case_sensitive
                ):
                    continue
                message = (
                    f"{o.id} may edit {witness}, which the global forbid {forbid.text!r} protects; "
                    f"allow it for this plan with --allow {touch.text}"
                )
                yield _violation("global_forbid", message, [o.id], witness)


def _covered(path: str, touches: Sequence[Pattern], case_sensitive: bool) -> bool:
    return any(
        fold_case(path, case_sensitive).startswith(p.folded_prefix(case_sensitive))
        and covers(p, path, case_sensitive=case_sensitive)
        for p in touches
    )


def _coverage(
    patterns: _Patterns, must_change: Sequence[str], case_sensitive: bool
) -> Iterator[Violation]:
    touches = [p for ps in patterns.touch.values() for p in ps]
    for path in must_change:
        if not _covered(path, touches, case_sensitive):
            yield _violation(
                "must_change_uncovered",
                f"{path} must change but no objective's scope_touch covers it",
                witness=path,
            )


def _contract_problem(
    plan: CoordinationPlan, provider: str, consumer: str, symbol: str, case_sensitive: bool
) -> str | None:
    """Why a named contract of a (hand-edited) plan cannot be checked or kept, or None."""
    from ap.plan.contracts import ancestors, parse_reference

    ref = parse_reference(symbol)
    if ref is None:
        return (
            f"names {symbol!r}, which is not a reference ap can check "
            "(`path.py:name`, `path.py:Class.method`, `path.py:--flag` or a path)"
        )
    by_id = {o.id: o for o in plan.objectives}
    source = by_id.get(provider)
    if source is None:
        return f"names unknown provider {provider}"
    if not any(covers(p, ref.path, case_sensitive=case_sensitive) for p in source.scope_touch):
        return f"{provider} cannot provide {symbol}: its scope_touch does not cover {ref.path}"
    if consumer and consumer not in by_id:
        return f"names unknown consumer {consumer}"
    if consumer and provider not in ancestors(by_id[consumer], by_id):
        return f"{consumer} does not depend on {provider}, so it may start before {symbol} merges"
    return None


def _contracts(plan: CoordinationPlan, case_sensitive: bool) -> Iterator[Violation]:
    for c in plan.integration_contracts:
        if c.symbol is None:
            continue
        problem = _contract_problem(plan, c.provider, c.consumer, c.symbol, case_sensitive)
        if problem is not None:
            who = [t for t in (c.provider, c.consumer) if t]
            yield _violation("contract_invalid", f"contract of {c.provider}: {problem}", who)


def validate_plan(
    plan: CoordinationPlan,
    *,
    case_sensitive: bool = False,
    must_change: Sequence[str] = (),
) -> ScopeValidation:
    """Re-check every rule of a (possibly hand-edited) plan; list conflicts and violations."""
    return check_plan(plan, case_sensitive=case_sensitive, must_change=must_change)


def check_plan(
    plan: CoordinationPlan,
    *,
    case_sensitive: bool,
    must_change: Sequence[str],
    best: Schedule | None = None,
) -> ScopeValidation:
    """:func:`validate_plan`, reusing a schedule already computed for the plan's objectives."""
    patterns = _Patterns(plan)
    scopes = {o.id: [p.text for p in patterns.touch[o.id]] for o in plan.objectives}
    conflicts = [
        Conflict(a=a, b=b, witness=w)
        for a, b, w in find_conflicts(scopes, case_sensitive=case_sensitive)
    ]
    violations = [
        *patterns.violations,
        *_identity(plan),
        *_dependencies(plan),
        *_waves(plan),
        *_exclusivity(plan, conflicts),
        *_forbid(plan, patterns, case_sensitive),
        *_coverage(patterns, must_change, case_sensitive),
        *_contracts(plan, case_sensitive),
    ]
    bound, optimal = 0, False
    cap_ok = plan.max_parallel is None or plan.max_parallel >= 1
    if cap_ok and not any(v.rule in _UNSCHEDULABLE for v in violations):
        if best is None:
            best = schedule(
                [o.id for o in plan.objectives],
                {o.id: o.depends_on for o in plan.objectives},
                [(c.a, c.b) for c in conflicts],
                plan.max_parallel,
            )
        bound = best.lower_bound
        optimal = len(plan.waves) == bound and not any(v.rule in _STRUCTURE for v in violations)
    return ScopeValidation(
        valid=not violations,
        conflicts=conflicts,
        violations=violations,
        lower_bound=bound,
        optimal=optimal,
    )
