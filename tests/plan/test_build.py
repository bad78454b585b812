from __future__ import annotations

import re

import pytest

from ap.core.config import ApConfig
from ap.core.errors import PlanInputError
from ap.core.models import ObjectiveSpec
from ap.plan.build import build_plan

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
    assert t1 is not None and t1.scope_forbid == []  # nothing of its own: derived below
    forbid = p.forbid_of(t1)
    assert "docs/" in forbid and "src/auth/jwt.py" not in forbid
    assert ".github/workflows/" in forbid
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


def test_every_input_problem_is_listed_at_once() -> None:
    with pytest.raises(PlanInputError) as info:
        plan(spec("T1", "a/", deps=("T9",)), spec("T1", "!b"), spec("t2", "c/"), spec("T2", "d/"))
    lines = info.value.message.splitlines()
    assert "objective T1 depends on unknown objective T9" in lines
    assert "objective id T1 is used twice" in lines
    assert "objective id T2 is used twice (as t2)" in lines  # one branch on macOS
    assert any("'!b'" in line and "objective T1 scope_touch" in line for line in lines)


@pytest.mark.parametrize("tid", ["T1", "auth-api", "fix_2", "v1.2", "A"])
def test_branch_safe_ids(tid: str) -> None:
    assert plan(spec(tid, "a/")).objectives[0].id == tid


@pytest.mark.parametrize(
    "tid", [".T1", "-T1", "T..1", "T1.lock", "T1.", "T/1", "T~1", "T 1", "", "integration"]
)
def test_ids_that_are_not_branch_names_are_refused(tid: str) -> None:
    with pytest.raises(PlanInputError, match="objective id"):
        plan(spec(tid, "a/"))


def test_empty_title_and_bad_forbid_or_allow() -> None:
    untitled = ObjectiveSpec(id="T1", title="  ", scope_touch=["a/"])
    with pytest.raises(PlanInputError, match="T1 has an empty title"):
        plan(untitled)
    with pytest.raises(PlanInputError, match=re.escape("--allow: scope pattern '../x'")):
        plan(spec("T1", "a/"), allowed=["../x"])
    with pytest.raises(PlanInputError, match="scope_read: scope pattern"):
        plan(ObjectiveSpec(id="T1", title="t", scope_touch=["a/"], scope_read=["a//b"]))


def test_integration_contracts_one_per_dependency() -> None:
    t3 = ObjectiveSpec(
        id="T3",
        title="Login",
        scope_touch=["c/"],
        depends_on=["T1", "T2"],
        integration_points=["calls T1's issue_token()", "reads the config"],
    )
    p = plan(spec("T1", "a/"), spec("T2", "b/"), t3, spec("T4", "d/", deps=("T1",)))
    contracts = {(c.provider, c.consumer): c.description for c in p.integration_contracts}
    assert contracts == {
        ("T1", "T3"): "calls T1's issue_token()",
        ("T2", "T3"): "calls T1's issue_token(); reads the config",
        ("T1", "T4"): "uses T1",
    }
    bare = ObjectiveSpec(id="T2", title="t", scope_touch=["b/"], depends_on=["T1"])
    (contract,) = plan(spec("T1", "a/"), bare).integration_contracts
    assert contract.description == "T2 builds on the result of T1 (objective T1)"


def test_plan_fields_are_filled() -> None:
    p = build_plan(
        [spec("T1", "a/")],
        plan_id="20261125-x",
        request="do x",
        global_forbid=["/secrets/", "secrets/", ".git/"],
        base_commit="abc",
        analysis_id="20261125-x",
        integration_branch="ap/20261125-x/integration",
        max_parallel=3,
    )
    assert p.global_forbid == ["secrets/", ".git/"]  # normalised, deduplicated
    assert (p.base_commit, p.analysis_id, p.max_parallel) == ("abc", "20261125-x", 3)
    assert p.integration_branch == "ap/20261125-x/integration"
    assert p.objectives[0].wave == 1 and p.waves == [["T1"]]


def test_max_parallel_below_one_is_refused() -> None:
    with pytest.raises(PlanInputError, match="max_parallel must be at least 1"):
        plan(spec("T1", "a/"), max_parallel=0)


def test_the_plan_file_grows_linearly_with_the_objectives() -> None:
    """A wave of n objectives used to store every other objective's touch n times."""
    from ap.state.store import to_markdown

    def text(n: int) -> str:
        specs = [spec(f"T{i}", f"src/mod{i}/") for i in range(n)]
        built = plan(*specs)
        assert built.waves == [[s.id for s in specs]]
        return to_markdown(built, template="plan.md.j2")

    small, large = text(20), text(80)
    assert large.count("src/mod7/") == small.count("src/mod7/") <= 4
    assert len(large) < 4.5 * len(small)
