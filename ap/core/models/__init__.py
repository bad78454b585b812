"""Pydantic models of every AP artifact (docs/DESIGN.md §3).

The YAML front matter of each file under docs/ is exactly ``model_dump(mode="json")``
of one of these models, so a saved artifact loads back equal. One module per idea:
``base`` (Model, enums), ``analysis``, ``plan``, ``checks`` (validation, gates,
contracts, wave records), ``reports`` (worker and accomplishment), ``events``;
every name is imported from here.
"""

from __future__ import annotations

from ap.core.models.analysis import (
    AnalysisReport,
    CandidateFile,
    CoordinationPoint,
    PastContract,
    PastFailure,
    PastGrant,
    PastPlanCitation,
)
from ap.core.models.base import (
    Complexity,
    Model,
    ObjectiveStatus,
    PlanStatus,
    Source,
    TaskType,
    utcnow,
)
from ap.core.models.checks import (
    Conflict,
    ContractCheck,
    GateResult,
    ScopeValidation,
    ScopeViolationRecord,
    Violation,
    WaveRecord,
)
from ap.core.models.events import Event, OrchestratorStatus
from ap.core.models.plan import (
    CoordinationPlan,
    IntegrationContract,
    Objective,
    ObjectivesFile,
    ObjectiveSpec,
    ScopeGrant,
    Timings,
)
from ap.core.models.reports import (
    AccomplishmentReport,
    ChangeSummary,
    DiffStat,
    KnownIssue,
    ObjectiveOutcome,
    WorkerReport,
)

ARTIFACT_KINDS: dict[str, type[Model]] = {
    "analysis": AnalysisReport,
    "plan": CoordinationPlan,
    "accomplishment": AccomplishmentReport,
    "session": WorkerReport,
}

__all__ = [
    "ARTIFACT_KINDS",
    "AccomplishmentReport",
    "AnalysisReport",
    "CandidateFile",
    "ChangeSummary",
    "Complexity",
    "Conflict",
    "ContractCheck",
    "CoordinationPlan",
    "CoordinationPoint",
    "DiffStat",
    "Event",
    "GateResult",
    "IntegrationContract",
    "KnownIssue",
    "Model",
    "Objective",
    "ObjectiveOutcome",
    "ObjectiveSpec",
    "ObjectiveStatus",
    "ObjectivesFile",
    "OrchestratorStatus",
    "PastContract",
    "PastFailure",
    "PastGrant",
    "PastPlanCitation",
    "PlanStatus",
    "ScopeGrant",
    "ScopeValidation",
    "ScopeViolationRecord",
    "Source",
    "TaskType",
    "Timings",
    "Violation",
    "WaveRecord",
    "WorkerReport",
    "utcnow",
]
