"""The Coordination Plan: objectives, their scopes and grants, integration contracts,
and the objectives an analyst proposes or ``ap plan --from FILE`` reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from ap.core.models.base import Complexity, Model, ObjectiveStatus, PlanStatus, Source, utcnow
from ap.core.models.checks import ScopeValidation, ScopeViolationRecord, WaveRecord
from ap.scope.effective import EffectiveScope, effective_scopes


class Timings(Model):
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Objective(Model):
    """One unit of parallel work with an exclusive file scope."""

    id: str
    title: str
    description: str = ""
    wave: int = 0
    depends_on: list[str] = Field(default_factory=list)
    agent: str = "auto"
    agent_reason: str | None = None
    complexity: Complexity = Complexity.MEDIUM
    scope_touch: list[str] = Field(default_factory=list)
    scope_read: list[str] = Field(default_factory=list)
    # Only what is forbidden to this objective alone (normally nothing): the global forbid
    # and the same-wave touches are derived, see CoordinationPlan.forbid_of.
    scope_forbid: list[str] = Field(default_factory=list)
    integration_points: list[str] = Field(default_factory=list)
    constraints: list[str] = Field(default_factory=list)
    acceptance: list[str] = Field(default_factory=list)
    status: ObjectiveStatus = ObjectiveStatus.PENDING
    status_reason: str | None = None
    branch: str | None = None
    base: str | None = None
    head: str | None = None
    timings: Timings = Field(default_factory=Timings)


class IntegrationContract(Model):
    """What a dependant expects from what it depends on.

    ``symbol`` is a reference (ap/plan/contracts.py: ``path``, ``path:name``,
    ``path:Class.method``, ``path:--flag``) checked on the merged tree after the
    provider's wave; without one the contract is text, unchecked. ``consumer`` is
    empty for a promise the provider made that nothing depends on."""

    provider: str
    consumer: str = ""
    description: str
    symbol: str | None = None


class ScopeGrant(Model):
    """A path granted to an objective while it ran, with the reason it was asked for."""

    task: str
    pattern: str
    why: str
    granted_at: datetime = Field(default_factory=utcnow)


# What an objective's effective scope is computed from (ap/scope/effective.py).
_SCOPE_FIELDS: Any = {
    "id": True,
    "global_forbid": True,
    "grants": True,
    "objectives": {"__all__": {"id", "wave", "scope_touch", "scope_read", "scope_forbid"}},
}


class CoordinationPlan(Model):
    """The plan: docs/plans/PLAN_<id>.md. Statuses live here."""

    id: str
    analysis_id: str | None = None
    request: str = ""
    source: Source = Field(default_factory=Source)
    created_at: datetime = Field(default_factory=utcnow)
    base_commit: str | None = None
    integration_branch: str = ""
    status: PlanStatus = PlanStatus.PLANNED
    max_parallel: int | None = None
    objectives: list[Objective] = Field(default_factory=list)
    waves: list[list[str]] = Field(default_factory=list)
    scope_validation: ScopeValidation = Field(default_factory=ScopeValidation)
    integration_contracts: list[IntegrationContract] = Field(default_factory=list)
    global_forbid: list[str] = Field(default_factory=list)
    allowed: list[str] = Field(default_factory=list)
    grants: list[ScopeGrant] = Field(default_factory=list)
    wave_records: list[WaveRecord] = Field(default_factory=list)
    violations_caught: list[ScopeViolationRecord] = Field(default_factory=list)

    def objective(self, task_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == task_id), None)

    def scopes(self) -> dict[str, EffectiveScope]:
        """Every objective's effective scope (touch with grants, read, forbid), by id:
        computed as the hook and the merge check compute it (ap/scope/effective.py)."""
        return effective_scopes(self.model_dump(mode="json", include=_SCOPE_FIELDS))

    def scope_of(self, objective: Objective) -> EffectiveScope:
        """The effective scope of one of the plan's objectives."""
        return self.scopes()[objective.id]

    def touch_of(self, objective: Objective) -> list[str]:
        """What ``objective`` may change now: its scope_touch, then the scope granted to it."""
        return list(self.scope_of(objective).touch)

    def forbid_of(self, objective: Objective) -> list[str]:
        """The effective scope_forbid of one of the plan's objectives: the global forbid,
        its own, then every other same-wave objective's touch and grants."""
        return list(self.scope_of(objective).forbid)

    def own_forbid(self, objective: Objective) -> list[str]:
        """What the plan forbids ``objective`` beyond what is derived (a plan written
        before this was derived recorded the whole list: the derived part is left out)."""
        scope = self.scope_of(objective)
        return [p for p in scope.own if p not in scope.others]

    def forbids(self) -> dict[str, list[str]]:
        """:meth:`forbid_of` of every objective, by id."""
        return {task: list(scope.forbid) for task, scope in self.scopes().items()}

    def public_data(self) -> dict[str, Any]:
        """The plan as JSON for scripts (docs/DESIGN.md §10): the stored data, with each
        objective's effective scope_forbid."""
        data = self.model_dump(mode="json")
        forbids = self.forbids()
        for objective in data["objectives"]:
            objective["scope_forbid"] = forbids[objective["id"]]
        return data


class ObjectiveSpec(Model):
    """An objective as proposed by an analyst or written in ``ap plan --from FILE``.

    Waves, forbid scopes and statuses are computed by the planner, never taken from here.
    """

    id: str
    title: str
    scope_touch: list[str]
    description: str = ""
    scope_read: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    agent: str = "auto"
    complexity: Complexity = Complexity.MEDIUM
    integration_points: list[str] = Field(default_factory=list)
    constraints: list[str] = Field(default_factory=list)
    acceptance: list[str] = Field(default_factory=list)


class ObjectivesFile(Model):
    """The YAML of ``ap plan --from FILE`` (docs/DESIGN.md §10)."""

    request: str | None = None
    objectives: list[ObjectiveSpec]
