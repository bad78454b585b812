from __future__ import annotations

import pytest

from ap.config import ApConfig
from ap.errors import PlanInputError
from ap.models import ObjectiveSpec
from ap.plan.build import build_plan
from ap.plan.validate import validate_plan

FORBID = ApConfig().effective_global_forbid()


def spec(
    tid: str, *touch: str, deps: tuple[str, ...] = (), points: tuple[str, ...] = ()
) -> ObjectiveSpec:
    return ObjectiveSpec(
        id=tid,
        title=f"objective {tid}",
        scope_touch=list(touch),
        depends_on=list(deps),
        integration_points=list(points) or ([f"uses {', '.join(deps)}"] if deps else []),
    )


def plan(*specs: ObjectiveSpec, **kwargs: object):  # type: ignore[no-untyped-def]
    return build_plan(specs, plan_id="20261125-x", request="x", global_forbid=FORBID, **kwargs)  # type: ignore[arg-type]


def test_overlapping_scopes_never_share_a_wave() -> None:
    p = plan(spec("T1", "src/"), spec("T2", "src/auth/jwt.py"), spec("T3", "docs/"))
    assert p.waves == [["T1", "T3"], ["T2"]]
    assert [(c.a, c.b, c.witness) for c in p.scope_validation.conflicts] == [
        ("T1", "T2", "src/auth/jwt.py")
    ]
    t1 = p.objective("T1")
    assert (
        t1 is not None and "docs/" in t1.scope_forbid and "src/auth/jwt.py" not in t1.scope_forbid
    )
    assert ".github/workflows/" in t1.scope_forbid
    assert p.scope_validation.valid and p.scope_validation.optimal
    assert p.scope_validation.lower_bound == 2


def test_dependencies_and_max_parallel() -> None:
    p = plan(spec("T1", "a/"), spec("T2", "b/"), spec("T3", "c/", deps=("T1",)), max_parallel=1)
    assert p.waves in ([["T1"], ["T2"], ["T3"]], [["T1"], ["T3"], ["T2"]])
    assert [c.provider for c in p.integration_contracts] == ["T1"]


def test_patterns_are_normalised() -> None:
    p = plan(spec("T1", "/src/auth", "src/auth"))
    assert p.objectives[0].scope_touch == ["src/auth"]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([spec("T1", "a/", deps=("T9",))], "T1 depends on unknown objective T9"),
        (
            [spec("T1", "a/", deps=("T2",)), spec("T2", "b/", deps=("T1",))],
            "dependency cycle: T1 -> T2 -> T1",
        ),
        ([spec("T1", "a/"), spec("T1", "b/")], "objective id T1 is used twice"),
        ([spec("T1", "a/../b")], "objective T1 scope_touch: scope pattern 'a/../b' is rejected"),
        ([spec("T1", "a/", deps=("T1",))], "T1 depends on itself"),
        ([spec("T 1", "a/")], "not usable in a branch name"),
        ([spec("T1")], "empty scope_touch"),
        ([], "no objectives"),
    ],
)
def test_bad_input_is_refused(specs: list[ObjectiveSpec], message: str) -> None:
    with pytest.raises(PlanInputError) as info:
        plan(*specs)
    assert message in info.value.message


def test_forbidden_touch_needs_allow() -> None:
    p = plan(spec("T1", ".github/workflows/ci.yml"))
    assert not p.scope_validation.valid
    (violation,) = p.scope_validation.violations
    assert violation.rule == "global_forbid" and violation.witness == ".github/workflows/ci.yml"
    assert plan(
        spec("T1", ".github/workflows/ci.yml"), allowed=[".github/workflows/ci.yml"]
    ).scope_validation.valid
    assert plan(spec("T1", ".github/workflows/ci.yml"), allowed=[".github/"]).scope_validation.valid
    # a directory that merely contains a forbidden folder somewhere below is fine
    assert plan(spec("T1", "src/")).scope_validation.valid
    assert not plan(spec("T1", "*")).scope_validation.valid  # `*` names ap.yaml itself


def test_must_change_and_integration_points() -> None:
    p = plan(spec("T1", "a/"), must_change=["a/x.py", "b/y.py"])
    assert [v.rule for v in p.scope_validation.violations] == ["must_change_uncovered"]
    assert p.scope_validation.violations[0].witness == "b/y.py"
    bare = ObjectiveSpec(id="T2", title="t", scope_touch=["b/"], depends_on=["T1"])
    p = plan(spec("T1", "a/"), bare)
    assert [v.rule for v in p.scope_validation.violations] == ["integration_points_missing"]


def test_hand_edits_are_caught() -> None:
    p = plan(spec("T1", "src/"), spec("T2", "src/auth/"), spec("T3", "c/", deps=("T1",)))
    edited = p.model_copy(deep=True)
    for o in edited.objectives:
        o.wave = 1
    edited.waves = [["T1", "T2", "T3"]]
    rules = {v.rule: v for v in validate_plan(edited).violations}
    assert "src/auth/x" in rules["scope_overlap"].message
    assert rules["scope_overlap"].objectives == ["T1", "T2"]
    assert "T3 (wave 1) depends on T1 (wave 1)" in rules["dependency_order"].message
    assert "scope_forbid_incomplete" in rules
    edited.objectives[0].scope_touch = ["src/[oops"]
    assert [v.rule for v in validate_plan(edited).violations] == ["invalid_pattern"]
