"""``ap plan --from FILE``: the objectives YAML of DESIGN.md §10."""

from __future__ import annotations

from pathlib import Path

from ap import yamlio
from ap.errors import PlanInputError
from ap.models import ObjectivesFile


def load_objectives_file(path: Path) -> ObjectivesFile:
    """Read and validate an objectives file; errors name the file, line and field."""
    return yamlio.load_model(ObjectivesFile, path, error=PlanInputError, where=str(path))
