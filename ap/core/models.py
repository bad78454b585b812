"""Pydantic models of every AP artifact (docs/DESIGN.md §3).

The YAML front matter of each file under docs/ is exactly ``model_dump(mode="json")``
of one of these models, so a saved artifact loads back equal.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ap.scope.effective import EffectiveScope, effective_scopes


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


class CoordinationPoint(Model):
    """Something two or more files must agree on (e.g. a symbol one defines, another uses)."""

    description: str
    files: list[str] = Field(default_factory=list)
    symbol: str | None = None
    objectives: list[str] = Field(default_factory=list)


class CandidateFile(Model):
    path: str
    relevance: float = 0.0
    reason: str = ""
    must_change: bool = False


class PastFailure(Model):
    """An objective of a past plan that did not make it (failed, blocked), and why."""

    task: str
    title: str = ""
    status: str = "failed"
    reason: str = ""


class PastContract(Model):
    """An integration contract a past plan agreed on (provider → consumer)."""

    provider: str
    consumer: str = ""
    description: str = ""
    symbol: str | None = None


class PastGrant(Model):
    """A path a past plan's objective was granted while it ran, and why it asked."""

    task: str
    pattern: str
    why: str = ""


class PastPlanCitation(Model):
    """A past plan that changed this analysis, and what the analysis took from it.

    ``words``: the words of its request this request shares (they raised the files it
    changed); ``boosted``: the candidate files it raised; failures, contracts, grants and
    known issues: those of its objectives that concern the candidate files.
    """

    plan_id: str
    request: str = ""
    status: str = ""
    where: str = ""
    words: list[str] = Field(default_factory=list)
    boosted: list[str] = Field(default_factory=list)
    failures: list[PastFailure] = Field(default_factory=list)
    contracts: list[PastContract] = Field(default_factory=list)
    grants: list[PastGrant] = Field(default_factory=list)
    known_issues: list[str] = Field(default_factory=list)


class AnalysisReport(Model):
    """The analytic phase's output: docs/analyses/ANALYSIS_<id>.md."""

    id: str
    request: str
    source: Source = Field(default_factory=Source)
    created_at: datetime = Field(default_factory=utcnow)
    base_commit: str | None = None
    analyst: str = "heuristic"
    task_type: TaskType = TaskType.FEATURE
    task_type_reasons: list[str] = Field(default_factory=list)
    coordination_points: list[CoordinationPoint] = Field(default_factory=list)
    candidate_files: list[CandidateFile] = Field(default_factory=list)
    scope_strategy: str = ""
    risks: list[str] = Field(default_factory=list)
    past_plans: list[PastPlanCitation] = Field(default_factory=list)


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


class Conflict(Model):
    """Two objectives whose scope_touch overlap, with a path both may edit."""

    a: str
    b: str
    witness: str


class Violation(Model):
    """A broken validation rule, naming the objectives and a witness path."""

    rule: str
    message: str
    objectives: list[str] = Field(default_factory=list)
    witness: str | None = None


class ScopeValidation(Model):
    valid: bool = True
    conflicts: list[Conflict] = Field(default_factory=list)
    violations: list[Violation] = Field(default_factory=list)
    lower_bound: int = 0
    optimal: bool = True


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


class ContractCheck(Model):
    """A contract checked on a wave's merge: found, or broken and why."""

    provider: str
    consumer: str = ""
    symbol: str
    passed: bool
    reason: str = ""


class ScopeGrant(Model):
    """A path granted to an objective while it ran, with the reason it was asked for."""

    task: str
    pattern: str
    why: str
    granted_at: datetime = Field(default_factory=utcnow)


class GateResult(Model):
    name: str
    command: str
    passed: bool
    exit_code: int | None = None
    duration: float = 0.0
    output_tail: str = ""
    wave: int | None = None


class ScopeViolationRecord(Model):
    """A path an objective's branch changed outside its scope, caught by ap."""

    task: str
    path: str
    reason: str


class WaveRecord(Model):
    """How a wave ended: merged objectives, failed ones, and the gates run on the result."""

    wave: int
    merged: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    merged_at: datetime = Field(default_factory=utcnow)
    gate_results: list[GateResult] = Field(default_factory=list)
    contracts: list[ContractCheck] = Field(default_factory=list)


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


class WorkerReport(Model):
    """A worker's response: docs/sessions/<plan-id>/<task-id>.md."""

    plan_id: str
    task_id: str
    status: Literal["done", "failed", "no_change"] = "done"
    worker: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    summary: str = ""
    change_summary: str = ""
    response: str = ""


class DiffStat(Model):
    files: int = 0
    insertions: int = 0
    deletions: int = 0


class ChangeSummary(Model):
    """A worker's Change Summary, one cleaned line per field (the worker's words: data)."""

    changed: str = ""
    commit: str = ""
    tests: str = ""
    lint: str = ""
    limitations: str = ""


class ObjectiveOutcome(Model):
    id: str
    title: str
    status: ObjectiveStatus
    reason: str | None = None
    commits: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    diffstat: DiffStat = Field(default_factory=DiffStat)
    duration: float | None = None
    change_summary: ChangeSummary | None = None


class KnownIssue(Model):
    """Something an accomplishment leaves open: a limitation, a failure, a blocked objective,
    a failed gate, a scope violation caught."""

    kind: Literal["limitation", "failed", "blocked", "gate", "scope_violation"]
    objective: str | None = None
    text: str


class AccomplishmentReport(Model):
    """docs/accomplishments/ACCOMPLISHMENT_<id>.md, built from the merged history."""

    id: str
    plan_id: str
    request: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    summary: str = ""
    integration_head: str | None = None
    objectives: list[ObjectiveOutcome] = Field(default_factory=list)
    gate_results: list[GateResult] = Field(default_factory=list)
    scope_violations: list[ScopeViolationRecord] = Field(default_factory=list)
    contracts: list[ContractCheck] = Field(default_factory=list)
    duration: float | None = None
    commit_message: str = ""
    known_issues: list[KnownIssue] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # loose notes filed with the commit


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


ARTIFACT_KINDS: dict[str, type[Model]] = {
    "analysis": AnalysisReport,
    "plan": CoordinationPlan,
    "accomplishment": AccomplishmentReport,
    "session": WorkerReport,
}
