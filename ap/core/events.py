"""Events of every phase (docs/DESIGN.md §7).

Core functions take an ``Emit`` callable and call it with :class:`Event` objects;
the CLI decides how they are shown (ap/console/renderers.py): a rich console
renderer for people, or one JSON object per line on stdout for machines (``--json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ap.core.models import Event

# Loading this module builds no pydantic model (``ap --help`` imports it): the models
# are imported when the first event is made.
Emit = Callable[["Event"], None]


def event(type: str, phase: str, **data: Any) -> Event:
    """An event of ``type`` in ``phase`` carrying ``data``, stamped now."""
    from ap.core.models import Event

    return Event(type=type, phase=phase, **data)


def discard(_: Event) -> None:
    """An Emit that shows nothing (for library callers and tests)."""


def _jsonable(value: Any) -> Any:
    from pydantic import BaseModel

    from ap.core.models import Model

    if isinstance(value, Model):
        return value.public_data()  # (a plan: with each objective's effective scope_forbid)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def to_json(ev: Event) -> str:
    """One line of JSON: ``type``, ``phase``, ``ts`` first, then the payload."""
    data: dict[str, Any] = {"type": ev.type, "phase": ev.phase, "ts": ev.ts.isoformat()}
    data.update({k: _jsonable(v) for k, v in ev.payload().items()})
    return json.dumps(data, ensure_ascii=False, default=str)
