"""Wave scheduling: the fewest waves under dependencies, exclusivity and max_parallel.

A wave is a set of objectives that run in parallel: nothing in it depends on
anything in it or later, no two of its objectives have overlapping scopes, and it
holds at most ``max_parallel`` objectives. Small plans are solved exactly by a
bounded backtracking search; large ones by list scheduling with a few randomised
restarts. Every schedule records a lower bound and whether it is proven optimal.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

EXACT_NODE_BUDGET = 200_000
RESTARTS = 8


@dataclass(frozen=True)
class Schedule:
    waves: list[list[str]]
    lower_bound: int
    optimal: bool


class _Problem:
    def __init__(
        self,
        ids: Sequence[str],
        depends_on: Mapping[str, Sequence[str]],
        conflicts: Iterable[tuple[str, str]],
        max_parallel: int | None,
    ) -> None:
        self.ids = list(ids)
        self.index = {t: n for n, t in enumerate(self.ids)}
        self.deps = [[self.index[d] for d in depends_on.get(t, ())] for t in self.ids]
        self.children: list[list[int]] = [[] for _ in self.ids]
        for n, deps in enumerate(self.deps):
            for d in deps:
                self.children[d].append(n)
        self.clash: list[set[int]] = [set() for _ in self.ids]
        for a, b in conflicts:
            if a != b:
                self.clash[self.index[a]].add(self.index[b])
                self.clash[self.index[b]].add(self.index[a])
        self.cap = max_parallel or len(self.ids) or 1
        self.order = self._topological()
        self.depth = self._longest(self.order, self.deps)  # chain ending here
        self.height = self._longest(self.order[::-1], self.children)  # chain starting here

    def _topological(self) -> list[int]:
        indegree = [len(d) for d in self.deps]
        ready = [n for n, k in enumerate(indegree) if k == 0]
        order: list[int] = []
        while ready:
            n = ready.pop(0)
            order.append(n)
            for c in self.children[n]:
                indegree[c] -= 1
                if indegree[c] == 0:
                    ready.append(c)
        return order

    @staticmethod
    def _longest(order: list[int], before: list[list[int]]) -> list[int]:
        length = [1] * len(order)
        for n in order:
            for p in before[n]:
                length[n] = max(length[n], length[p] + 1)
        return length

    def waves_of(self, wave: list[int]) -> list[list[str]]:
        count = max(wave, default=0)
        return [
            [self.ids[n] for n in range(len(self.ids)) if wave[n] == w] for w in range(1, count + 1)
        ]


def _greedy_clique(problem: _Problem) -> int:
    best = 0
    for start in range(len(problem.ids)):
        clique = {start}
        for n in sorted(problem.clash[start], key=lambda m: -len(problem.clash[m])):
            if all(n in problem.clash[c] for c in clique):
                clique.add(n)
        best = max(best, len(clique))
    return best


def lower_bound(problem: _Problem) -> int:
    """Critical path, largest conflict clique found, and capacity: no schedule beats them."""
    if not problem.ids:
        return 0
    return max(*problem.depth, _greedy_clique(problem), math.ceil(len(problem.ids) / problem.cap))


def _list_schedule(problem: _Problem, priority: list[float]) -> list[int]:
    """Fill waves one by one with the ready objectives of highest priority."""
    wave = [0] * len(problem.ids)
    left = set(range(len(problem.ids)))
    current = 0
    while left:
        current += 1
        ready = [n for n in left if all(0 < wave[d] < current for d in problem.deps[n])]
        members: list[int] = []
        for n in sorted(ready, key=lambda m: (-priority[m], m)):
            if len(members) < problem.cap and not problem.clash[n].intersection(members):
                members.append(n)
        for n in members:
            wave[n] = current
            left.discard(n)
    return wave


def _heuristic(problem: _Problem, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    base = [problem.height[n] * 1000 + len(problem.clash[n]) for n in range(len(problem.ids))]
    best = _list_schedule(problem, [float(b) for b in base])
    for _ in range(RESTARTS):
        noisy = [b + rng.random() * 1500 for b in base]
        candidate = _list_schedule(problem, noisy)
        if max(candidate, default=0) < max(best, default=0):
            best = candidate
    return best


class _Budget(Exception):
    pass


def _fits(problem: _Problem, k: int, budget: list[int]) -> list[int] | None:
    """An assignment to waves 1..k meeting every constraint, or None (exhaustive)."""
    wave = [0] * len(problem.ids)
    load = [0] * (k + 2)
    order = problem.order

    def place(pos: int) -> bool:
        if pos == len(order):
            return True
        budget[0] -= 1
        if budget[0] < 0:
            raise _Budget
        n = order[pos]
        earliest = max((wave[d] for d in problem.deps[n]), default=0) + 1
        latest = k - problem.height[n] + 1
        for w in range(earliest, latest + 1):
            if load[w] >= problem.cap or any(wave[c] == w for c in problem.clash[n]):
                continue
            wave[n], load[w] = w, load[w] + 1
            if place(pos + 1):
                return True
            wave[n], load[w] = 0, load[w] - 1
        return False

    return list(wave) if place(0) else None


def schedule(
    ids: Sequence[str],
    depends_on: Mapping[str, Sequence[str]],
    conflicts: Iterable[tuple[str, str]],
    max_parallel: int | None = None,
    *,
    node_budget: int = EXACT_NODE_BUDGET,
) -> Schedule:
    """The fewest waves for a dependency DAG; exact within ``node_budget`` search steps."""
    problem = _Problem(ids, depends_on, conflicts, max_parallel)
    bound = lower_bound(problem)
    best = _heuristic(problem)
    best_count = max(best, default=0)
    budget = [node_budget]
    try:
        for k in range(bound, best_count):
            found = _fits(problem, k, budget)
            if found is not None:
                return Schedule(problem.waves_of(found), k, True)
            bound = k + 1  # proven: k waves are not enough
    except _Budget:
        return Schedule(problem.waves_of(best), bound, best_count == bound)
    return Schedule(problem.waves_of(best), bound, True)
