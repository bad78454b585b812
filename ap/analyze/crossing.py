"""Contracts proposed from the imports that cross objectives.

When a file of objective A imports a name from a file of objective B (a
coordination point the index found), B provides ``b_file.py:name`` to A: A
depends on B and names the contract in its integration points, so the name is
checked on the merged tree after B's wave (ap/run/contracts.py). An import that
would close a dependency cycle (A and B import from each other) stays a
coordination point of the analysis only.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.core.models import CoordinationPoint, ObjectiveSpec


def _reaches(specs: dict[str, ObjectiveSpec], start: str, goal: str) -> bool:
    """Whether ``start`` depends on ``goal``, directly or through others."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        task = stack.pop()
        if task == goal:
            return True
        if task in seen or task not in specs:
            continue
        seen.add(task)
        stack += specs[task].depends_on
    return False


def propose_contracts(
    objectives: Sequence[ObjectiveSpec], points: Sequence[CoordinationPoint]
) -> None:
    """Add a dependency and a named integration point for each crossing import, in place."""
    specs = {o.id: o for o in objectives}
    for point in points:
        if point.symbol is None or len(point.files) != 2 or len(point.objectives) != 2:
            continue
        (user, provider_file), (consumer, provider) = point.files, point.objectives
        if consumer not in specs or provider not in specs or consumer == provider:
            continue
        if _reaches(specs, provider, consumer):
            continue  # (a cycle: the other way round is already a dependency)
        spec = specs[consumer]
        if provider not in spec.depends_on:
            spec.depends_on.append(provider)
        line = f"`{provider_file}:{point.symbol}` from {provider}: {user} imports it"
        if line not in spec.integration_points:
            spec.integration_points.append(line)
