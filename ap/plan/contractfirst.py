"""``ap plan --contract-first``: the shared interfaces are written first, in a wave of their own.

Every contract an objective provides to another (a reference in an integration
point, ap/plan/contracts.py) names a file. One more objective, ``T0``, touches
exactly those files: it writes the interfaces (signatures, types, stubs with
docstrings) and promises each named symbol, checked when its wave merges. Every
other objective depends on it, so all of them start from the agreed interfaces
and the providers fill them in.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.core.errors import PlanInputError
from ap.core.models import Complexity, Objective, ObjectiveSpec
from ap.plan.build import check_specs
from ap.plan.contracts import Attribution, Reference, references

_IDS = ("T0", "C0", "contracts")


def _promised(specs: Sequence[ObjectiveSpec], case_sensitive: bool) -> list[Reference]:
    """The references some objective provides to another, in the order they are named."""
    objectives = [
        Objective(id=s.id, title=s.title, scope_touch=s.scope_touch, depends_on=s.depends_on)
        for s in specs
    ]
    who = Attribution(objectives, case_sensitive)
    found: list[Reference] = []
    for spec, objective in zip(specs, objectives, strict=True):
        for point in spec.integration_points:
            found += [r for r in references(point) if who.provider(objective, r) is not None]
    return list(dict.fromkeys(found))


def contract_first(
    specs: Sequence[ObjectiveSpec], *, case_sensitive: bool = False
) -> list[ObjectiveSpec]:
    """``specs`` with the interfaces objective first and every other depending on it."""
    check_specs(specs)
    promised = _promised(specs, case_sensitive)
    if not promised:
        raise PlanInputError(
            "--contract-first: no integration point names a contract one objective provides "
            "to another",
            hint="name it in the consumer's integration_points, e.g. "
            '"`src/auth/jwt.py:verify_token` returns the claims", or plan without --contract-first',
        )
    taken = {s.id.lower() for s in specs}
    first_id = next(i for i in _IDS if i.lower() not in taken)
    first = ObjectiveSpec(
        id=first_id,
        title="Shared interfaces",
        description="Contract first: write the interfaces the other objectives rely on "
        "(signatures, types, stubs with docstrings), without their behaviour.",
        scope_touch=list(dict.fromkeys(r.path for r in promised)),
        complexity=Complexity.LOW,
        integration_points=[f"provides `{r}`" for r in promised],
        acceptance=["every promised name exists, importable, with its final signature"],
    )
    rest = [
        s.model_copy(
            update={
                "depends_on": [*s.depends_on, first_id],  # (providers first)
                "integration_points": s.integration_points
                or [f"starts from the interfaces {first_id} writes"],
            }
        )
        for s in specs
    ]
    return [first, *rest]
