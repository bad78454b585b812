"""The conflict graph (overlapping scope_touch pairs, with witnesses) and dependency cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ap.core.models import Conflict
from ap.scope import find_conflicts


class HasScope(Protocol):
    """An Objective or an ObjectiveSpec: an id and the patterns it may edit."""

    @property
    def id(self) -> str: ...

    @property
    def scope_touch(self) -> list[str]: ...


def conflict_graph(
    objectives: Sequence[HasScope], *, case_sensitive: bool = False
) -> list[Conflict]:
    """Every pair of objectives whose scope_touch overlap, with a path both may edit."""
    scopes = {o.id: o.scope_touch for o in objectives}
    return [
        Conflict(a=a, b=b, witness=w)
        for a, b, w in find_conflicts(scopes, case_sensitive=case_sensitive)
    ]


def find_cycle(depends_on: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A dependency cycle spelled out (``['T1', 'T3', 'T1']``), or None when acyclic.

    Dependencies on ids that are not keys of ``depends_on`` are ignored (they are
    reported as unknown elsewhere). Iterative, so a long chain cannot overflow.
    """
    finished: set[str] = set()
    for root in depends_on:
        if root in finished:
            continue
        path = [root]
        on_path = {root}
        pending = [iter(depends_on[root])]
        while pending:
            dep = next(pending[-1], None)
            if dep is None:
                pending.pop()
                finished.add(path[-1])
                on_path.discard(path.pop())
            elif dep in on_path:
                return [*path[path.index(dep) :], dep]
            elif dep in depends_on and dep not in finished:
                path.append(dep)
                on_path.add(dep)
                pending.append(iter(depends_on[dep]))
    return None


def dependants(depends_on: Mapping[str, Sequence[str]], roots: Sequence[str]) -> list[str]:
    """Every objective that depends, directly or not, on one of ``roots``."""
    found: list[str] = []
    frontier = list(roots)
    while frontier:
        current = frontier.pop()
        for node, deps in depends_on.items():
            if current in deps and node not in found and node not in roots:
                found.append(node)
                frontier.append(node)
    return found
