"""``ap validate``: a plan re-checked where it is authoritative.

The draft in the working tree until the plan starts (a person may edit it and check
it before ``ap start``); then the plan on its integration branch. The result says
which copy was checked, and notes a working-tree file that is not the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from ap.core.config import ApConfig
from ap.core.models import AnalysisReport, CoordinationPlan, PlanStatus, ScopeValidation
from ap.git import Git
from ap.plan.validate import validate_plan
from ap.state.artifacts import Artifacts, Copy


@dataclass(frozen=True)
class Recheck:
    plan: CoordinationPlan
    copy: Copy
    result: ScopeValidation
    note: str | None  # about another copy a person may take for the plan

    @property
    def checked(self) -> str:
        """Which copy was checked, for people."""
        return self.copy.describe(draft=self.plan.status == PlanStatus.PLANNED)


def recheck(git: Git, config: ApConfig, ref: str | None) -> Recheck:
    """Validate the plan ``ref`` names (default: the latest) in its authoritative copy, with
    the files its analysis says must change (read from beside the plan)."""
    artifacts = Artifacts(git, config)
    copy, plan = artifacts.plan(ref)
    must_change: list[str] = []
    analysis = artifacts.beside(copy, "analysis", plan.analysis_id) if plan.analysis_id else None
    if analysis is not None:
        report = analysis.load()
        assert isinstance(report, AnalysisReport)
        must_change = [c.path for c in report.candidate_files if c.must_change]
    result = validate_plan(
        plan, case_sensitive=config.case_sensitive_scopes, must_change=must_change
    )
    return Recheck(plan, copy, result, artifacts.note(copy))
