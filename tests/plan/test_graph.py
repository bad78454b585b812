"""The conflict graph over objectives, and dependency cycles spelled out."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from ap.core.models import ObjectiveSpec
from ap.plan.graph import conflict_graph, dependants, find_cycle
from ap.scope import covers


def spec(tid: str, *touch: str) -> ObjectiveSpec:
    return ObjectiveSpec(id=tid, title=tid, scope_touch=list(touch))


def test_every_overlapping_pair_with_a_witness_both_cover() -> None:
    specs = [
        spec("T1", "src/auth/"),
        spec("T2", "src/auth/jwt.py", "docs/auth.md"),
        spec("T3", "docs/"),
        spec("T4", "tests/test_*.py"),
        spec("T5", "docs/**/*.md"),
    ]
    conflicts = conflict_graph(specs)
    pairs = {(c.a, c.b) for c in conflicts}
    assert pairs == {("T1", "T2"), ("T2", "T3"), ("T2", "T5"), ("T3", "T5")}
    scopes = {s.id: s.scope_touch for s in specs}
    for c in conflicts:
        assert any(covers(p, c.witness) for p in scopes[c.a])
        assert any(covers(p, c.witness) for p in scopes[c.b])


def test_case_insensitive_by_default() -> None:
    specs = [spec("T1", "README.md"), spec("T2", "readme.md")]
    (conflict,) = conflict_graph(specs)
    assert conflict.witness.lower() == "readme.md"
    assert conflict_graph(specs, case_sensitive=True) == []


def test_cycles_are_spelled_out() -> None:
    assert find_cycle({"T1": ["T3"], "T2": [], "T3": ["T1"]}) == ["T1", "T3", "T1"]
    assert find_cycle({"T1": ["T1"]}) == ["T1", "T1"]
    assert find_cycle({"T1": ["T2"], "T2": ["T3"], "T3": ["T4"], "T4": ["T2"]}) == [
        "T2",
        "T3",
        "T4",
        "T2",
    ]
    assert find_cycle({"T1": [], "T2": ["T1"], "T3": ["T1", "T2"]}) is None
    assert find_cycle({"T1": ["T9"]}) is None  # unknown ids are someone else's error


def test_long_chains_do_not_overflow_the_stack() -> None:
    chain = {f"T{i}": [f"T{i - 1}"] if i else [] for i in range(5000)}
    assert find_cycle(chain) is None
    chain["T0"] = ["T4999"]
    cycle = find_cycle(chain)
    assert cycle is not None and len(cycle) == 5001 and cycle[0] == cycle[-1]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))
    )
)
def test_find_cycle_agrees_with_brute_force(edges: set[tuple[int, int]]) -> None:
    nodes = sorted({v for e in edges for v in e})
    depends_on = {f"T{v}": [f"T{b}" for a, b in sorted(edges) if a == v] for v in nodes}
    cyclic = any(
        all((perm[i], perm[(i + 1) % len(perm)]) in edges for i in range(len(perm)))
        for k in range(1, len(nodes) + 1)
        for subset in itertools.combinations(nodes, k)
        for perm in itertools.permutations(subset)
    )
    cycle = find_cycle(depends_on)
    assert (cycle is not None) == cyclic
    if cycle is not None:
        assert cycle[0] == cycle[-1] and len(set(cycle[:-1])) == len(cycle) - 1
        for a, b in itertools.pairwise(cycle):
            assert b in depends_on[a]


def test_dependants_are_transitive() -> None:
    deps = {"T1": [], "T2": ["T1"], "T3": ["T2"], "T4": []}
    assert sorted(dependants(deps, ["T1"])) == ["T2", "T3"]
    assert dependants(deps, ["T4"]) == []
