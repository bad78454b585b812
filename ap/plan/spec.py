"""``ap plan --from FILE``: the objectives YAML of docs/DESIGN.md §10."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ap.core import yamlio
from ap.core.errors import PlanInputError
from ap.core.models import ObjectivesFile

_HINT = (
    "the file holds an optional `request` and `objectives`, each with `id`, `title` and "
    "`scope_touch` (a list of patterns), optionally `description`, `scope_read`, "
    "`depends_on`, `agent`, `complexity`, `integration_points`, `constraints`, `acceptance`"
)
_FIELD = re.compile(r"(?m)^(.*?: )objectives\.(\d+)(\S*): ")


def _objective_ids(path: Path) -> list[str | None]:
    """The id of each objective in the file, as far as the YAML can be read."""
    try:
        data: Any = yamlio.parse(path.read_text(encoding="utf-8"), where="", error=PlanInputError)
    except (OSError, UnicodeDecodeError, PlanInputError):
        return []
    objectives = data.get("objectives") if isinstance(data, dict) else None
    if not isinstance(objectives, list):
        return []
    return [o.get("id") if isinstance(o, dict) else None for o in objectives]


def _name_objectives(message: str, ids: list[str | None]) -> str:
    """``objectives.2.scope_touch`` → ``objectives.2.scope_touch (objective T3)``."""

    def name(match: re.Match[str]) -> str:
        index = int(match.group(2))
        tid = ids[index] if index < len(ids) else None
        label = f" (objective {tid})" if isinstance(tid, str) else ""
        return f"{match.group(1)}objectives.{index}{match.group(3)}{label}: "

    return _FIELD.sub(name, message)


def load_objectives_file(path: Path) -> ObjectivesFile:
    """Read and validate an objectives file; errors (exit 2) name the file, line and field."""
    try:
        return yamlio.load_model(
            ObjectivesFile, path, error=PlanInputError, where=str(path), hint=_HINT
        )
    except PlanInputError as exc:
        raise PlanInputError(
            _name_objectives(exc.message, _objective_ids(path)), hint=_HINT
        ) from None
