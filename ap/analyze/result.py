"""What an analyst hands to the planner."""

from __future__ import annotations

from dataclasses import dataclass

from ap.core.models import AnalysisReport, ObjectiveSpec


@dataclass(frozen=True)
class AnalysisResult:
    report: AnalysisReport
    objectives: list[ObjectiveSpec]
