"""The events a phase emits, and the status a run reports (docs/DESIGN.md §7)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ap.core.models.base import Model


class OrchestratorStatus(Model):
    """Where a run stands; carried by ``status`` events."""

    phase: str
    progress_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    current_activity: str = ""
    elapsed: float = 0.0
    estimated_remaining: float | None = None


class Event(BaseModel):
    """One event of a phase; extra keys carry the payload (docs/DESIGN.md §7)."""

    model_config = ConfigDict(extra="allow")

    type: str
    phase: str
    ts: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    def payload(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
