"""Wave scheduling against a brute-force oracle, plus bounds, budgets and determinism."""

from __future__ import annotations

import itertools
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ap.plan.schedule import Schedule, schedule

Deps = dict[str, list[str]]
Pairs = list[tuple[str, str]]
Problem = tuple[list[str], Deps, Pairs, int | None]


@st.composite
def problems(draw: st.DrawFn, max_n: int = 10) -> Problem:
    n = draw(st.integers(1, max_n))
    ids = [f"T{i}" for i in draw(st.permutations(range(n)))]  # input order is not topological
    dep_rate = draw(st.sampled_from([0, 1, 2, 4]))
    deps = {
        t: [ids[j] for j in range(i) if draw(st.integers(0, 9)) < dep_rate]
        for i, t in enumerate(ids)
    }
    clash_rate = draw(st.sampled_from([0, 2, 4, 7]))
    pairs = [p for p in itertools.combinations(ids, 2) if draw(st.integers(0, 9)) < clash_rate]
    cap = draw(st.one_of(st.none(), st.integers(1, 4)))
    return ids, deps, pairs, cap


def fits(ids: list[str], deps: Deps, pairs: Pairs, cap: int | None, k: int) -> bool:
    """Brute force: can the objectives be put in waves 1..k? (ids listed dependencies first)."""
    order = _dependencies_first(ids, deps)
    clash = {frozenset(p) for p in pairs}
    limit = cap or len(ids)
    wave: dict[str, int] = {}
    load = [0] * (k + 1)

    def place(i: int) -> bool:
        if i == len(order):
            return True
        t = order[i]
        for w in range(1, k + 1):
            if load[w] >= limit or any(wave[d] >= w for d in deps[t]):
                continue
            if any(wave[u] == w and frozenset((t, u)) in clash for u in wave):
                continue
            wave[t], load[w] = w, load[w] + 1
            if place(i + 1):
                return True
            del wave[t]
            load[w] -= 1
        return False

    return place(0)


def _dependencies_first(ids: list[str], deps: Deps) -> list[str]:
    order: list[str] = []
    while len(order) < len(ids):
        order += [t for t in ids if t not in order and all(d in order for d in deps[t])]
    return order


def optimum(ids: list[str], deps: Deps, pairs: Pairs, cap: int | None) -> int:
    return next(k for k in range(1, len(ids) + 1) if fits(ids, deps, pairs, cap, k))


def check_valid(
    ids: list[str], deps: Deps, pairs: Pairs, cap: int | None, result: Schedule
) -> None:
    where = {t: n for n, wave in enumerate(result.waves) for t in wave}
    assert sorted(where) == sorted(ids) and sum(map(len, result.waves)) == len(ids)
    assert all(result.waves)
    for wave in result.waves:
        assert wave == [t for t in ids if t in wave]  # input order within a wave
        assert cap is None or len(wave) <= cap
    for t in ids:
        for d in deps[t]:
            assert where[d] < where[t], (d, t)
    for a, b in pairs:
        assert where[a] != where[b], (a, b)
    assert result.lower_bound <= len(result.waves)


@settings(max_examples=400, deadline=None)
@given(problems())
def test_waves_equal_the_brute_force_optimum(problem: Problem) -> None:
    ids, deps, pairs, cap = problem
    result = schedule(ids, deps, pairs, cap)
    check_valid(ids, deps, pairs, cap, result)
    best = optimum(ids, deps, pairs, cap)
    assert len(result.waves) == best
    assert result.optimal and result.lower_bound == best


@settings(max_examples=150, deadline=None)
@given(problems(), st.integers(0, 30))
def test_any_budget_gives_a_valid_schedule_and_an_honest_flag(problem: Problem, limit: int) -> None:
    ids, deps, pairs, cap = problem
    result = schedule(ids, deps, pairs, cap, exact_limit=limit)
    check_valid(ids, deps, pairs, cap, result)
    best = optimum(ids, deps, pairs, cap)
    assert result.lower_bound <= best
    if result.optimal:
        assert len(result.waves) == best == result.lower_bound


def test_the_oracle_catches_a_scheduler_that_is_not_exact() -> None:
    # Without the exact search, list scheduling and first-fit need 5 waves here; 4 suffice.
    ids = [f"T{i}" for i in range(8)]
    deps: Deps = {t: [] for t in ids}
    deps.update(T1=["T0"], T2=["T0", "T1"], T4=["T0"], T5=["T4"], T6=["T1"], T7=["T3"])
    edges = "0-2 0-4 0-5 0-6 1-2 1-3 2-6 2-7 3-4 3-6 4-5 4-7 5-6 5-7 6-7"
    pairs = [(f"T{e[0]}", f"T{e[2]}") for e in edges.split()]
    heuristic = schedule(ids, deps, pairs, 2, exact_limit=0)
    check_valid(ids, deps, pairs, 2, heuristic)
    assert len(heuristic.waves) > optimum(ids, deps, pairs, 2) == 4
    assert not heuristic.optimal
    exact = schedule(ids, deps, pairs, 2)
    assert len(exact.waves) == 4 and exact.optimal


def test_bounds_from_chains_cliques_and_capacity() -> None:
    chain = [f"C{i}" for i in range(5)]
    deps: Deps = {t: chain[i - 1 : i] for i, t in enumerate(chain)}
    assert schedule(chain, deps, []).lower_bound == 5
    clique = ["A", "B", "C", "D"]
    result = schedule(clique, {t: [] for t in clique}, list(itertools.combinations(clique, 2)))
    assert (len(result.waves), result.lower_bound, result.optimal) == (4, 4, True)
    many = [f"T{i}" for i in range(7)]
    assert schedule(many, {t: [] for t in many}, [], 3).lower_bound == 3


def test_odd_cycle_and_grotzsch_graph_need_the_exact_search() -> None:
    # No triangle, so the clique bound says 2; the odd cycle needs 3 and the
    # Grötzsch graph (Mycielski of C5) needs 4 — only a search can prove it.
    cycle = [f"T{i}" for i in range(5)]
    ring = [(cycle[i], cycle[(i + 1) % 5]) for i in range(5)]
    result = schedule(cycle, {t: [] for t in cycle}, ring)
    assert (len(result.waves), result.lower_bound, result.optimal) == (3, 3, True)
    ids = [f"T{i}" for i in range(11)]
    edges = [(i, (i + 1) % 5) for i in range(5)]
    edges += [(5 + i, (i + 1) % 5) for i in range(5)] + [(5 + i, (i - 1) % 5) for i in range(5)]
    edges += [(10, 5 + i) for i in range(5)]
    pairs = [(ids[a], ids[b]) for a, b in edges]
    result = schedule(ids, {t: [] for t in ids}, pairs)
    check_valid(ids, {t: [] for t in ids}, pairs, None, result)
    assert (len(result.waves), result.optimal) == (4, True)


def test_independent_parts_are_scheduled_side_by_side() -> None:
    ids = ["A1", "A2", "A3", "B1", "B2"]
    deps: Deps = {"A1": [], "A2": ["A1"], "A3": ["A2"], "B1": [], "B2": []}
    result = schedule(ids, deps, [("B1", "B2")])
    assert result.waves == [["A1", "B1"], ["A2", "B2"], ["A3"]]
    assert result.optimal


def test_empty_and_single() -> None:
    assert schedule([], {}, []) == Schedule(waves=[], lower_bound=0, optimal=True)
    assert schedule(["T1"], {"T1": []}, [], 1) == Schedule([["T1"]], 1, True)
    with pytest.raises(ValueError, match="at least 1"):
        schedule(["T1"], {"T1": []}, [], 0)


def random_plan(
    n: int, seed: int, dep_rate: float, clash_rate: float
) -> tuple[list[str], Deps, Pairs]:
    rng = random.Random(seed)
    ids = [f"T{i}" for i in range(n)]
    deps = {t: [ids[j] for j in range(i) if rng.random() < dep_rate] for i, t in enumerate(ids)}
    pairs = [p for p in itertools.combinations(ids, 2) if rng.random() < clash_rate]
    return ids, deps, pairs


def test_twenty_objectives_are_solved_exactly_and_fast() -> None:
    start = time.perf_counter()
    for seed in range(12):
        ids, deps, pairs = random_plan(20, seed, dep_rate=0.08, clash_rate=0.3 + seed % 4 * 0.1)
        cap = [None, 3, 5][seed % 3]
        result = schedule(ids, deps, pairs, cap)
        check_valid(ids, deps, pairs, cap, result)
        assert result.optimal, seed
    assert time.perf_counter() - start < 20  # about a second on a laptop


def test_large_plan_is_valid_bounded_and_deterministic() -> None:
    rng = random.Random(3)
    ids = [f"T{i}" for i in range(300)]
    deps = {
        t: [ids[j] for j in rng.sample(range(i), min(i, 2)) if rng.random() < 0.3]
        for i, t in enumerate(ids)
    }
    pairs = [(a, b) for a, b in itertools.combinations(ids, 2) if rng.random() < 0.01]
    start = time.perf_counter()
    result = schedule(ids, deps, pairs, 16)
    assert time.perf_counter() - start < 20
    check_valid(ids, deps, pairs, 16, result)
    assert schedule(list(ids), dict(deps), list(pairs), 16) == result
