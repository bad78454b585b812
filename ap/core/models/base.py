"""The base of every artifact model, and the enums and small types they share."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


def utcnow() -> datetime:
    """The current time, timezone-aware, to the second (artifacts don't need more)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


class Model(BaseModel):
    """Base of every artifact model: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    def public_data(self) -> dict[str, Any]:
        """The artifact as JSON for scripts (``--json``, events)."""
        return self.model_dump(mode="json")


class TaskType(str, Enum):
    FEATURE = "feature"
    BUG = "bug"
    REFACTOR = "refactor"
    RESET = "reset"
    TEST = "test"
    DOCS = "docs"


class Complexity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ObjectiveStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    MERGED = "merged"
    FAILED = "failed"
    BLOCKED = "blocked"
    # The worker finished and changed nothing (only its report is merged). Dependants
    # still run: nothing they could need from it is missing; the plan can end done.
    NO_CHANGE = "no_change"

    @property
    def landed(self) -> bool:
        """Whether the objective ended well, its branch merged (with or without a change)."""
        return self in (ObjectiveStatus.MERGED, ObjectiveStatus.NO_CHANGE)


class PlanStatus(str, Enum):
    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Source(Model):
    """Where a request came from: the command line, a file, or a GitHub issue."""

    kind: Literal["cli", "file", "issue"] = "cli"
    ref: str | None = None

    def describe(self) -> str:
        if self.kind == "issue":
            return f"issue #{self.ref}"
        if self.kind == "file":
            return f"file {self.ref}"
        return "cli"
