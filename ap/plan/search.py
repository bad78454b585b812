"""The scheduling instance, its lower bounds, and the exact search for fewer waves.

Objectives are numbers 0..n-1; conflicts and predecessors are bitmasks, so the
search's sets of objectives are plain ints.
"""

from __future__ import annotations

from collections.abc import Iterator

_CLIQUES_KEPT = 8
MAX_SEARCH_DEPTH = 400  # waves; the search recurses once per wave


def bits(mask: int) -> Iterator[int]:
    """The members of a set held as a bitmask, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class Problem:
    """One instance over objectives 0..n-1; conflicts and predecessors as bitmasks."""

    def __init__(self, deps: list[list[int]], clash: list[int], cap: int | None) -> None:
        self.n = len(deps)
        self.full = (1 << self.n) - 1
        self.deps = deps
        self.pred = [sum(1 << d for d in ds) for ds in deps]
        self.children: list[list[int]] = [[] for _ in deps]
        for v, ds in enumerate(deps):
            for d in ds:
                self.children[d].append(v)
        self.clash = clash
        self.cap = cap if cap is not None and cap < self.n else max(self.n, 1)
        self.degree = [c.bit_count() for c in clash]
        self.height = _longest(_topological(deps, self.children)[::-1], self.children)
        # Search order: longest chain ahead first, then most conflicts.
        self.order = sorted(range(self.n), key=lambda v: (-self.height[v], -self.degree[v], v))
        self.cliques = _greedy_cliques(self)

    def reversed(self) -> Problem:
        """The same instance with every dependency turned around."""
        return Problem(self.children, self.clash, self.cap)

    def fits_in(self, members: int, v: int) -> bool:
        return not members & self.clash[v] and members.bit_count() < self.cap


def _topological(deps: list[list[int]], children: list[list[int]]) -> list[int]:
    missing = [len(ds) for ds in deps]
    order = [v for v, k in enumerate(missing) if k == 0]
    for v in order:  # the list grows while it is walked
        for c in children[v]:
            missing[c] -= 1
            if missing[c] == 0:
                order.append(c)
    if len(order) != len(deps):
        raise ValueError("the dependencies form a cycle")
    return order


def _longest(order: list[int], after: list[list[int]]) -> list[int]:
    """Length (in objectives) of the longest chain from each node through ``after``."""
    length = [1] * len(order)
    for v in order:
        for c in after[v]:
            length[v] = max(length[v], length[c] + 1)
    return length


# -- lower bounds --------------------------------------------------------------


def _greedy_clique(p: Problem, start: int, within: int) -> int:
    clique, candidates = 1 << start, p.clash[start] & within
    for u in sorted(bits(candidates), key=lambda v: (-p.degree[v], v)):
        if candidates >> u & 1:
            clique |= 1 << u
            candidates &= p.clash[u]
    return clique


def _greedy_cliques(p: Problem) -> list[int]:
    """A few large cliques of the conflict graph (as masks), grown from each objective."""
    found = {_greedy_clique(p, v, p.full) for v in range(p.n)}
    return sorted(found, key=lambda c: (-c.bit_count(), c))[:_CLIQUES_KEPT]


def remaining_bound(p: Problem, remaining: int) -> int:
    """Waves the ``remaining`` objectives need (the rest of a plan, closed under dependants).

    The i objectives with the longest chains ahead (h_i and more) must all be
    placed h_i - 1 waves before the end, and take ceil(i / cap) waves; the members
    of a clique take one wave each.
    """
    bound, count = 0, 0
    for v in p.order:
        if remaining >> v & 1:
            count += 1
            bound = max(bound, p.height[v] - 1 + ceil_div(count, p.cap))
    for clique in p.cliques:
        heights = sorted((p.height[v] for v in bits(clique & remaining)), reverse=True)
        bound = max(bound, *(h - 1 + i for i, h in enumerate(heights, 1)), 0)
    return bound


def lower_bound(p: Problem) -> int:
    """A bound no schedule beats, from the chains ahead and (reversed) the chains behind."""
    if p.n == 0:
        return 0
    return max(remaining_bound(p, p.full), remaining_bound(p.reversed(), p.full))


# -- exact search ----------------------------------------------------------------


class _OutOfBudget(Exception):
    pass


def _maximal_waves(p: Problem, ready: list[int], must: int, budget: list[int]) -> Iterator[int]:
    """Every maximal conflict-free wave of ``ready`` holding ``must``, best first."""
    stack = [(0, must, must.bit_count(), 0)]
    while stack:
        budget[0] -= 1
        if budget[0] < 0:
            raise _OutOfBudget
        i, chosen, count, skipped = stack.pop()
        while i < len(ready) and (chosen >> ready[i] & 1 or p.clash[ready[i]] & chosen):
            i += 1
        if count == p.cap or i == len(ready):
            if count == p.cap or all(p.clash[v] & chosen for v in bits(skipped)):
                yield chosen
            continue
        v = ready[i]
        stack.append((i + 1, chosen, count, skipped | 1 << v))
        stack.append((i + 1, chosen | 1 << v, count + 1, skipped))


class _Search:
    """Depth-first search over the set of objectives already done, one wave per step.

    It only tries *maximal* waves (no ready objective could join), which loses
    nothing: moving an objective into an earlier wave where it fits never breaks
    a schedule. An objective heading a chain as long as the waves left must go
    now. Once nothing left depends on anything left, the order of the remaining
    waves is free, so the wave holding the first remaining objective comes next.
    States that failed are remembered with the number of waves that was not enough.
    """

    def __init__(self, p: Problem, budget: list[int]) -> None:
        self.p = p
        self.budget = budget
        self.failed: dict[int, int] = {}
        self.waves: list[int] = []  # the waves found, last first

    def fits(self, done: int, waves: int) -> bool:
        p = self.p
        if done == p.full:
            return True
        left = p.full & ~done
        if self.failed.get(done, 0) >= waves or self._bound(left) > waves:
            return False
        ready = [v for v in p.order if left >> v & 1 and not p.pred[v] & left]
        must = sum(1 << v for v in ready if p.height[v] >= waves)
        if len(ready) == left.bit_count():
            must |= 1 << ready[0]
        if must.bit_count() > p.cap or any(p.clash[v] & must for v in bits(must)):
            self.failed[done] = waves
            return False
        for wave in _maximal_waves(p, ready, must, self.budget):
            if self.fits(done | wave, waves - 1):
                self.waves.append(wave)
                return True
        self.failed[done] = waves
        return False

    def _bound(self, left: int) -> int:
        p = self.p
        start = max(bits(left), key=lambda v: ((p.clash[v] & left).bit_count(), -v))
        clique = _greedy_clique(p, start, left).bit_count()
        return max(remaining_bound(p, left), clique)


def shortest(p: Problem, k: int, stop: int, budget: list[int]) -> tuple[list[int] | None, int]:
    """The first k' in ``k``..``stop - 1`` waves that fit ``p``: (wave of each objective, k').

    When none does, (None, ``stop``); when the budget (a one-item list, so the
    parts of a plan can share it) runs out, (None, the least k' not yet refuted).
    """
    search = _Search(p, budget)
    try:
        while k < stop and k <= MAX_SEARCH_DEPTH:
            search.waves.clear()
            if search.fits(0, k):
                wave = [0] * p.n
                for number, members in enumerate(reversed(search.waves), 1):
                    for v in bits(members):
                        wave[v] = number
                return wave, k
            k += 1  # proven: k waves are not enough
    except _OutOfBudget:
        pass
    return None, k
