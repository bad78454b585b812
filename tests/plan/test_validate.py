"""Every rule of DESIGN.md §5 on hand-edited plans; the global-forbid decision is sound."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ap.core.config import ApConfig
from ap.core.models import CoordinationPlan, ObjectiveSpec
from ap.plan.build import build_plan
from ap.plan.forbid import aimed, contained
from ap.plan.validate import validate_plan
from ap.scope import covers, parse_pattern
from tests.scope.oracle import all_paths
from tests.scope.strategies import patterns

FORBID = ApConfig().effective_global_forbid()


def spec(tid: str, *touch: str, deps: tuple[str, ...] = ()) -> ObjectiveSpec:
    points = [f"uses {', '.join(deps)}"] if deps else []
    return ObjectiveSpec(
        id=tid, title=tid, scope_touch=list(touch), depends_on=list(deps), integration_points=points
    )


def make(*specs: ObjectiveSpec, **kwargs: object) -> CoordinationPlan:
    return build_plan(specs, plan_id="p", request="r", global_forbid=FORBID, **kwargs)  # type: ignore[arg-type]


def rules(plan: CoordinationPlan, **kwargs: object) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for v in validate_plan(plan, **kwargs).violations:  # type: ignore[arg-type]
        found.setdefault(v.rule, []).append(v.message)
    return found


def regroup(plan: CoordinationPlan, waves: list[list[str]]) -> CoordinationPlan:
    """A hand edit: move objectives between waves, keeping the plan's other fields."""
    edited = plan.model_copy(deep=True)
    edited.waves = waves
    for number, wave in enumerate(waves, 1):
        for tid in wave:
            o = edited.objective(tid)
            assert o is not None
            o.wave = number
    return edited


BASE = (spec("T1", "src/"), spec("T2", "src/auth/jwt.py"), spec("T3", "docs/", deps=("T1",)))


def test_a_fresh_plan_is_valid_and_revalidates_the_same() -> None:
    plan = make(*BASE)
    assert plan.scope_validation.valid, plan.scope_validation.violations
    assert validate_plan(plan) == plan.scope_validation
    assert plan.scope_validation.lower_bound == 2 and plan.scope_validation.optimal


def test_same_wave_overlap_names_both_and_a_witness() -> None:
    edited = regroup(make(*BASE), [["T1", "T2"], ["T3"]])
    (message,) = rules(edited)["scope_overlap"]
    assert "T1 and T2" in message and "src/auth/jwt.py" in message
    (v,) = [v for v in validate_plan(edited).violations if v.rule == "scope_overlap"]
    assert v.objectives == ["T1", "T2"] and v.witness == "src/auth/jwt.py"


def test_dependency_in_the_same_wave() -> None:
    edited = regroup(make(*BASE), [["T1", "T3"], ["T2"]])
    assert rules(edited)["dependency_order"] == [
        "T3 (wave 1) depends on T1 (wave 1), which must come in an earlier wave"
    ]
    result = validate_plan(edited)
    assert not result.valid and not result.optimal


def test_dependency_cycle_and_unknown_dependency_in_a_hand_edit() -> None:
    edited = make(*BASE).model_copy(deep=True)
    edited.objectives[0].depends_on = ["T3"]
    edited.objectives[0].integration_points = ["x"]
    edited.objectives[1].depends_on = ["T9"]
    edited.objectives[1].integration_points = ["x"]
    found = rules(edited)
    assert found["dependency_cycle"] == ["dependency cycle: T1 -> T3 -> T1"]
    assert found["unknown_dependency"] == ["T2 depends on unknown objective T9"]


def test_waves_list_must_match_the_objectives() -> None:
    plan = make(*BASE)
    edited = plan.model_copy(deep=True)
    edited.waves = [["T1", "T2", "T9"], [], ["T3", "T3"]]
    found = rules(edited)
    messages = " | ".join(found["wave_mismatch"])
    assert "wave 2 is empty" in messages
    assert "T3 has wave 2 but the waves list it in 3, 3" in messages
    assert "T2 has wave 2 but the waves list it in 1" in messages
    assert "unknown objective T9" in messages


def test_max_parallel_is_respected() -> None:
    plan = make(spec("T1", "a/"), spec("T2", "b/"), spec("T3", "c/"), max_parallel=2)
    assert plan.waves == [["T1", "T2"], ["T3"]] and plan.scope_validation.valid
    edited = regroup(plan, [["T1", "T2", "T3"]])
    assert rules(edited)["max_parallel"] == ["wave 1 has 3 objectives, more than max_parallel 2"]


def test_scope_forbid_is_the_global_forbid_and_same_wave_touches_derived() -> None:
    """Stored once (the global forbid) and per objective only its own part; the effective
    scope_forbid follows the waves, so a hand edit of the waves cannot leave it stale."""
    plan = make(spec("T1", "a/"), spec("T2", "b/"), spec("T3", "c/", deps=("T1",)))
    t1, _, t3 = plan.objectives
    assert t1.scope_forbid == [] and plan.global_forbid == FORBID
    assert plan.forbid_of(t1) == [*FORBID, "b/"]  # global first
    assert plan.forbid_of(t3) == FORBID
    moved = regroup(plan, [["T1"], ["T2", "T3"]])
    assert moved.forbid_of(moved.objectives[1]) == [*FORBID, "c/"]
    assert moved.forbid_of(moved.objectives[0]) == FORBID
    moved.objectives[0].scope_forbid = ["private/"]  # an objective's own forbid is kept
    assert moved.forbid_of(moved.objectives[0]) == [*FORBID, "private/"]
    assert moved.forbids() == {o.id: moved.forbid_of(o) for o in moved.objectives}
    assert "scope_forbid" not in rules(moved) and validate_plan(moved).valid


def test_a_plan_that_stored_the_whole_forbid_list_still_validates_the_same() -> None:
    """Plans written before recorded global forbid and same-wave touches per objective."""
    plan = make(spec("T1", "a/"), spec("T2", "b/"), spec("T3", "c/", deps=("T1",)))
    old = plan.model_copy(deep=True)
    old.objectives[0].scope_forbid = [*FORBID, "b/"]
    old.objectives[1].scope_forbid = [*FORBID, "a/"]
    old.objectives[2].scope_forbid = list(FORBID)
    assert old.forbids() == plan.forbids()
    assert validate_plan(old) == plan.scope_validation
    assert [old.own_forbid(o) for o in old.objectives] == [[], [], []]
    old.objectives[2].scope_forbid.append("private/")
    assert old.own_forbid(old.objectives[2]) == ["private/"]


def test_touching_ci_needs_allow() -> None:
    plan = make(spec("T1", ".github/workflows/ci.yml"))
    (v,) = plan.scope_validation.violations
    assert v.rule == "global_forbid" and v.witness == ".github/workflows/ci.yml"
    assert "T1" in v.message and "--allow .github/workflows/ci.yml" in v.message
    allowed = make(spec("T1", ".github/workflows/ci.yml"), allowed=[".github/workflows/ci.yml"])
    assert allowed.scope_validation.valid and allowed.allowed == [".github/workflows/ci.yml"]
    # a hand edit of the plan's `allowed` is re-checked
    edited = allowed.model_copy(deep=True)
    edited.allowed = []
    assert "global_forbid" in rules(edited)
    edited.allowed = [".github/workflows/ci.yml"]
    assert validate_plan(edited).valid


@pytest.mark.parametrize(
    ("touch", "forbid", "allowed", "flagged"),
    [
        (".github/workflows/ci.yml", ".github/workflows/", [], True),
        (".github/workflows/", ".github/workflows/", [], True),
        (".github/workflows", ".github/workflows/", [], True),  # the folder itself
        (".github/workflows/*.yml", ".github/workflows/", [], True),
        (".GitHub/Workflows/ci.yml", ".github/workflows/", [], True),  # case-insensitive
        (".github/", ".github/workflows/", [], False),  # merely contains it: carved out
        ("src/", "**/node_modules/", [], False),
        ("docs/", "docs/plans/", [], False),
        ("web/node_modules", "**/node_modules/", [], True),
        ("web/node_modules/x.js", "**/node_modules/", [], True),
        ("docs/**/*.md", "**/node_modules/", [], False),  # floating: only from inside
        ("**/*.py", "**/__pycache__/", [], False),
        ("**/*.yml", ".github/workflows/", [], True),  # a fixed place, named by the glob
        ("*", "ap.yaml", [], True),
        ("src/ap.yaml", "ap.yaml", [], False),
        (".github/workflows/ci.yml", ".github/workflows/", [".github/workflows/ci.yml"], False),
        (".github/workflows/ci.yml", ".github/workflows/", [".github/"], False),
        (".github/workflows/*.yml", ".github/workflows/", [".github/workflows/"], False),
        (".github/workflows/", ".github/workflows/", [".github/workflows/ci.yml"], True),
        (".github/workflows/ci.yml", ".github/workflows/", [".github/workflows/c*.yml"], False),
        (".github/workflows/ci.yml", ".github/workflows/", ["src/"], True),
    ],
)
def test_global_forbid_cases(touch: str, forbid: str, allowed: list[str], flagged: bool) -> None:
    plan = build_plan(
        [spec("T1", touch)], plan_id="p", request="r", global_forbid=[forbid], allowed=allowed
    )
    assert ("global_forbid" in rules(plan)) is flagged


UNIVERSE = all_paths("aAb.", 2, 3)


@settings(max_examples=300, deadline=None)
@given(patterns(), patterns())
def test_containment_is_sound(inner: str, outer: str) -> None:
    a, b = parse_pattern(inner), parse_pattern(outer)
    if contained(a, b, case_sensitive=False):
        for path in UNIVERSE:
            assert not covers(a, path) or covers(b, path), path


@settings(max_examples=300, deadline=None)
@given(patterns(), patterns())
def test_an_aimed_touch_has_a_real_witness(touch: str, forbid: str) -> None:
    a, b = parse_pattern(touch), parse_pattern(forbid)
    witness = aimed(a, b, case_sensitive=False)
    if witness is not None:
        assert covers(a, witness) and covers(b, witness)


def test_must_change_paths_must_be_covered() -> None:
    plan = make(spec("T1", "a/"), must_change=["a/x.py", "b/y.py"])
    (v,) = plan.scope_validation.violations
    assert v.rule == "must_change_uncovered" and v.witness == "b/y.py" and "b/y.py" in v.message


def test_dependants_declare_integration_points() -> None:
    bare = ObjectiveSpec(id="T2", title="t", scope_touch=["b/"], depends_on=["T1"])
    plan = make(spec("T1", "a/"), bare)
    assert rules(plan) == {
        "integration_points_missing": ["T2 depends on T1 but declares no integration points"]
    }


def test_bad_patterns_and_ids_are_violations_not_exceptions() -> None:
    edited = make(*BASE).model_copy(deep=True)
    edited.objectives[0].scope_touch = ["src/[oops"]
    edited.objectives[1].scope_read = ["../x"]
    edited.objectives[2].id = "T1"
    edited.allowed = ["!x"]
    found = rules(edited)
    assert len(found["invalid_pattern"]) == 3
    assert any("T1 scope_touch" in m and "src/[oops" in m for m in found["invalid_pattern"])
    assert found["duplicate_id"] == ["objective id T1 is used twice"]
    assert validate_plan(edited).lower_bound == 0


def test_an_extra_wave_is_valid_but_not_optimal() -> None:
    plan = make(spec("T1", "a/"), spec("T2", "b/"))
    assert plan.waves == [["T1", "T2"]]
    edited = regroup(plan, [["T1"], ["T2"]])
    result = validate_plan(edited)
    assert result.valid and not result.optimal and result.lower_bound == 1


def test_conflicts_cover_pairs_in_different_waves() -> None:
    plan = make(*BASE)
    assert [(c.a, c.b, c.witness) for c in plan.scope_validation.conflicts] == [
        ("T1", "T2", "src/auth/jwt.py")
    ]


def test_a_nonsense_max_parallel_or_forbid_is_reported() -> None:
    edited = make(*BASE).model_copy(deep=True)
    edited.max_parallel = 0
    edited.objectives[0].scope_forbid.append("a//b")
    found = rules(edited)
    assert found["max_parallel"] == ["max_parallel is 0; it must be at least 1"]
    assert any("T1 scope_forbid" in m for m in found["invalid_pattern"])
    assert validate_plan(edited).lower_bound == 0
