"""Wave scheduling: the fewest waves under dependencies, exclusivity and max_parallel.

A wave is a set of objectives run in parallel: each comes strictly after
everything it depends on, no two in a wave conflict (overlapping scope_touch),
and a wave holds at most ``max_parallel`` objectives. That is graph colouring
with precedence and a capacity — NP-hard in general, but plans are small:

- Heuristic: list scheduling by critical path (the longest chain of dependants
  ahead) and DSATUR-like first-fit, each improved by forward/backward
  compaction, with a few seeded restarts.
- Lower bound: critical path, conflict cliques, capacity, and Hu's bound (the i
  objectives heading the longest chains need ceil(i / max_parallel) waves before
  those chains can finish).
- Exact search (``ap.plan.search``), bounded by ``exact_limit`` steps, to close
  the gap.

Without a capacity, independent parts of the plan (no dependency or conflict
between them) are scheduled separately, side by side. Everything is
deterministic: restarts use a fixed seed and budgets count steps, not seconds.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ap.plan.search import Problem, bits, lower_bound, shortest

EXACT_LIMIT = 60_000  # search steps; about a second at worst
RESTARTS = 6


@dataclass(frozen=True)
class Schedule:
    """Waves of objective ids (input order within a wave), a lower bound, and whether proven."""

    waves: list[list[str]]
    lower_bound: int
    optimal: bool


# -- heuristic -------------------------------------------------------------------


def _place(p: Problem, v: int, wave: list[int], members: list[int]) -> int:
    """Put ``v`` in the earliest wave after its dependencies where it fits; that wave."""
    w = max((wave[d] for d in p.deps[v]), default=0) + 1
    while w < len(members) and not p.fits_in(members[w], v):
        w += 1
    if w == len(members):
        members.append(0)
    members[w] |= 1 << v
    wave[v] = w
    return w


def _first_fit(p: Problem, order: Iterable[int]) -> list[int]:
    """Place each objective of ``order`` (dependencies first) in the earliest wave it fits."""
    wave = [0] * p.n
    members = [0]  # objectives by wave number; wave 0 stays empty
    for v in order:
        _place(p, v, wave, members)
    return wave


def _list_schedule(p: Problem, rank: Sequence[float]) -> list[int]:
    """Fill waves one at a time with the ready objectives of highest ``rank``."""
    wave = [0] * p.n
    missing = [len(ds) for ds in p.deps]
    ready = [v for v in range(p.n) if missing[v] == 0]
    current = 0
    while ready:
        current += 1
        ready.sort(key=lambda v: (-rank[v], v))
        chosen = 0
        for v in ready:
            if p.fits_in(chosen, v):
                chosen |= 1 << v
        ready = [v for v in ready if not chosen >> v & 1]
        for v in bits(chosen):
            wave[v] = current
            for c in p.children[v]:
                missing[c] -= 1
                if missing[c] == 0:
                    ready.append(c)
    return wave


def _dsatur(p: Problem, rank: Sequence[float]) -> list[int]:
    """First-fit, always placing next the ready objective whose conflicts span most waves."""
    missing = [len(ds) for ds in p.deps]
    ready = {v for v in range(p.n) if missing[v] == 0}
    seen: list[set[int]] = [set() for _ in range(p.n)]  # waves of placed conflicting objectives
    wave = [0] * p.n
    members = [0]
    while ready:
        v = max(ready, key=lambda u: (len(seen[u]), rank[u], -u))
        ready.remove(v)
        w = _place(p, v, wave, members)
        for u in bits(p.clash[v]):
            seen[u].add(w)
        for c in p.children[v]:
            missing[c] -= 1
            if missing[c] == 0:
                ready.add(c)
    return wave


def _compact(p: Problem, back: Problem, wave: list[int], rank: Sequence[float]) -> list[int]:
    """Forward and backward first-fit passes in wave order; never adds a wave.

    Placing objectives in the order of their current waves, each lands in its own
    wave or an earlier one; doing the same on the reversed plan pushes them late
    again, which often frees a wave.
    """
    while True:
        count = max(wave, default=0)
        late = _first_fit(back, sorted(range(p.n), key=lambda v: (-wave[v], -rank[v], v)))
        wave = _first_fit(p, sorted(range(p.n), key=lambda v: (-late[v], -rank[v], v)))
        if max(wave, default=0) >= count:
            return wave


def _ranks(p: Problem, seed: int) -> Iterator[list[float]]:
    scale = float(p.n + 1)
    yield [p.height[v] * scale + p.degree[v] for v in range(p.n)]
    yield [p.height[v] * scale - p.degree[v] for v in range(p.n)]
    rng = random.Random(seed)
    for _ in range(RESTARTS):
        yield [(p.height[v] + rng.random() * 1.5) * scale + p.degree[v] for v in range(p.n)]


def _heuristic(p: Problem, back: Problem, goal: int) -> list[int]:
    """The best compacted list or DSATUR schedule; stops early once ``goal`` waves are met."""
    best: list[int] = []
    for rank in _ranks(p, seed=p.n):
        for build in (_list_schedule, _dsatur):
            wave = _compact(p, back, build(p, rank), rank)
            if not best or max(wave) < max(best):
                best = wave
            if max(best) <= goal:
                return best
    return best


def _solve(p: Problem, bound: int, target: int, budget: list[int]) -> tuple[list[int], int]:
    """A schedule of ``p`` (the wave of each objective) and a proven lower bound for it.

    Stops once the schedule has at most ``target`` waves (enough when ``p`` is one
    part of a plan); otherwise narrows the gap as far as the budget allows.
    """
    goal = max(bound, target)
    best = _heuristic(p, p.reversed(), goal)
    found, unrefuted = shortest(p, goal, max(best), budget)
    return found or best, unrefuted if unrefuted > goal else bound


# -- entry point -----------------------------------------------------------------


def _parts(deps: list[list[int]], clash: list[int]) -> list[list[int]]:
    """Objectives grouped into the connected parts of the dependency-or-conflict graph."""
    root = list(range(len(deps)))

    def find(v: int) -> int:
        while root[v] != v:
            root[v] = root[root[v]]
            v = root[v]
        return v

    for v in range(len(deps)):
        for u in [*deps[v], *bits(clash[v])]:
            root[find(u)] = find(v)
    groups: dict[int, list[int]] = {}
    for v in range(len(deps)):
        groups.setdefault(find(v), []).append(v)
    return list(groups.values())


def _encode(
    ids: Sequence[str],
    depends_on: Mapping[str, Sequence[str]],
    conflicts: Iterable[tuple[str, str]],
) -> tuple[list[list[int]], list[int]]:
    """Dependencies as lists and conflicts as bitmasks over the positions of ``ids``."""
    index = {t: i for i, t in enumerate(ids)}
    deps = [sorted({index[d] for d in depends_on.get(t, ())}) for t in ids]
    clash = [0] * len(ids)
    for a, b in conflicts:
        if a != b:
            clash[index[a]] |= 1 << index[b]
            clash[index[b]] |= 1 << index[a]
    return deps, clash


def _subproblem(
    nodes: list[int], deps: list[list[int]], clash: list[int], cap: int | None
) -> Problem:
    local = {v: i for i, v in enumerate(nodes)}
    mask = sum(1 << v for v in nodes)
    sub_deps = [[local[d] for d in deps[v]] for v in nodes]
    sub_clash = [sum(1 << local[u] for u in bits(clash[v] & mask)) for v in nodes]
    return Problem(sub_deps, sub_clash, cap)


def schedule(
    ids: Sequence[str],
    depends_on: Mapping[str, Sequence[str]],
    conflicts: Iterable[tuple[str, str]],
    max_parallel: int | None = None,
    *,
    exact_limit: int = EXACT_LIMIT,
) -> Schedule:
    """The fewest waves for objectives ``ids``, given dependencies and conflicting pairs.

    ``depends_on`` must name known ids and be acyclic (``build_plan`` checks its
    input first). ``optimal`` is True when the schedule is proven: it meets the
    lower bound, or the exact search finished within ``exact_limit`` steps.
    """
    if max_parallel is not None and max_parallel < 1:
        raise ValueError(f"max_parallel must be at least 1, not {max_parallel}")
    if not ids:
        return Schedule(waves=[], lower_bound=0, optimal=True)
    deps, clash = _encode(ids, depends_on, conflicts)
    if max_parallel is None or max_parallel >= len(ids):
        parts = _parts(deps, clash)
    else:
        parts = [list(range(len(ids)))]
    problems = [(nodes, _subproblem(nodes, deps, clash, max_parallel)) for nodes in parts]
    bounded = sorted(
        ((lower_bound(p), nodes, p) for nodes, p in problems), key=lambda t: (-t[0], -t[2].n)
    )
    target = bounded[0][0]
    budget = [exact_limit]
    wave = [0] * len(ids)
    for bound, nodes, p in bounded:  # the part that sets the bound first
        local, proven = _solve(p, bound, target, budget)
        target = max(target, proven)
        for v, w in zip(nodes, local, strict=True):
            wave[v] = w
    count = max(wave)
    waves = [[t for t, w in zip(ids, wave, strict=True) if w == k] for k in range(1, count + 1)]
    return Schedule(waves=waves, lower_bound=target, optimal=count == target)
