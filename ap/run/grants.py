"""Whether a scope grant would be given: the rule ``ap scope request`` applies, and the
integrity check applies again to a grant found on the integration branch."""

from __future__ import annotations

from ap.core.models import CoordinationPlan, ObjectiveStatus
from ap.plan.forbid import aimed, allowed_by, parse_all
from ap.scope import overlap, parse_pattern

ACTIVE = (ObjectiveStatus.RUNNING, ObjectiveStatus.DONE)  # objectives that may be granted


def refusal(plan: CoordinationPlan, task: str, text: str, case_sensitive: bool) -> str | None:
    """Why ``text`` cannot be granted to ``task`` now, or None."""
    mine = plan.objective(task)
    assert mine is not None
    pattern = parse_pattern(text)
    scopes = plan.scopes()  # each one's touch with its grants, as the hook enforces it
    for other in plan.objectives:
        if other.id == task or other.wave != mine.wave or other.status not in ACTIVE:
            continue
        for p in scopes[other.id].touch:
            witness = overlap(pattern, p, case_sensitive=case_sensitive)
            if witness is not None:
                return f"it overlaps {other.id} ({p!r}): both could edit {witness}"
    allowed = parse_all(plan.allowed)
    for forbidden in parse_all(plan.global_forbid):
        witness = aimed(pattern, forbidden, case_sensitive=case_sensitive)
        if witness is not None and not allowed_by(
            pattern, forbidden, allowed, case_sensitive=case_sensitive
        ):
            return f"it reaches {witness}, globally forbidden by {forbidden.text!r}"
    return None
