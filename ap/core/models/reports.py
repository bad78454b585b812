"""What comes back: a worker's report, and the Accomplishment Report of a plan."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ap.core.models.base import Model, ObjectiveStatus, utcnow
from ap.core.models.checks import ContractCheck, GateResult, ScopeViolationRecord


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
