"""The Analysis Report: what the analyst found in the code and in past plans."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ap.core.models.base import Model, Source, TaskType, utcnow


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
