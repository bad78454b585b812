"""The conflict graph (overlapping scope_touch pairs, with witnesses) and dependency cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ap.models import Conflict
from ap.scope import find_conflicts


class HasScope(Protocol):
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
    """A dependency cycle spelled out (``['T1', 'T3', 'T1']``), or None when acyclic."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in depends_on.get(node, ()):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep in depends_on and state.get(dep) is None:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in depends_on:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
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
