from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ap.plan.schedule import schedule


@st.composite
def problems(
    draw: st.DrawFn, max_n: int = 10
) -> tuple[list[str], dict[str, list[str]], list[tuple[str, str]], int | None]:
    n = draw(st.integers(1, max_n))
    ids = [f"T{i}" for i in range(n)]
    deps = {
        t: [
            ids[j] for j in range(i) if draw(st.integers(0, 9)) < 2
        ]  # edges only to earlier ids: a DAG
        for i, t in enumerate(ids)
    }
    pairs = list(itertools.combinations(ids, 2))
    conflicts = [p for p in pairs if draw(st.integers(0, 9)) < 3]
    cap = draw(st.one_of(st.none(), st.integers(1, 4)))
    return ids, deps, conflicts, cap


def feasible(ids, deps, conflicts, cap, k) -> bool:  # type: ignore[no-untyped-def]
    """Exhaustive: is there any assignment of the objectives to waves 1..k?"""
    wave: dict[str, int] = {}
    clash = {frozenset(c) for c in conflicts}

    def place(i: int) -> bool:
        if i == len(ids):
            return True
        t = ids[i]
        for w in range(1, k + 1):
            if any(wave[d] >= w for d in deps[t]):
                continue
            same = [u for u in wave if wave[u] == w]
            if cap is not None and len(same) >= cap:
                continue
            if any(frozenset((t, u)) in clash for u in same):
                continue
            wave[t] = w
            if place(i + 1):
                return True
            del wave[t]
        return False

    return place(0)


def optimum(ids, deps, conflicts, cap) -> int:  # type: ignore[no-untyped-def]
    return next(k for k in range(1, len(ids) + 1) if feasible(ids, deps, conflicts, cap, k))


def check_valid(ids, deps, conflicts, cap, waves) -> None:  # type: ignore[no-untyped-def]
    where = {t: n for n, w in enumerate(waves) for t in w}
    assert sorted(where) == sorted(ids)
    assert all(w for w in waves)
    for t in ids:
        for d in deps[t]:
            assert where[d] < where[t], (d, t)
    for a, b in conflicts:
        assert where[a] != where[b], (a, b)
    if cap is not None:
        assert all(len(w) <= cap for w in waves)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_waves_equal_exhaustive_optimum(problem) -> None:  # type: ignore[no-untyped-def]
    ids, deps, conflicts, cap = problem
    result = schedule(ids, deps, conflicts, cap)
    check_valid(ids, deps, conflicts, cap, result.waves)
    best = optimum(ids, deps, conflicts, cap)
    assert len(result.waves) == best
    assert result.optimal
    assert result.lower_bound <= best


def test_large_plan_is_valid_and_bounded() -> None:
    rng = random.Random(3)
    ids = [f"T{i}" for i in range(300)]
    deps = {
        t: [ids[j] for j in rng.sample(range(i), min(i, 2)) if rng.random() < 0.3]
        for i, t in enumerate(ids)
    }
    conflicts = [(a, b) for a, b in itertools.combinations(ids, 2) if rng.random() < 0.01]
    result = schedule(ids, deps, conflicts, 16)
    check_valid(ids, deps, conflicts, 16, result.waves)
    assert result.lower_bound <= len(result.waves)


def test_budget_exhaustion_reports_not_proven() -> None:
    ids = [f"T{i}" for i in range(12)]
    conflicts = [(a, b) for a, b in itertools.combinations(ids, 2) if (int(a[1:]) + int(b[1:])) % 3]
    result = schedule(ids, {t: [] for t in ids}, conflicts, None, node_budget=1)
    check_valid(ids, {t: [] for t in ids}, conflicts, None, result.waves)
    if len(result.waves) > result.lower_bound:
        assert not result.optimal
