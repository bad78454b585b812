"""The analytic and planning phases, end to end: request or objectives file → artifacts.

Each phase emits the events of docs/DESIGN.md §7; nothing is written under ``--dry-run``
or when the input is bad (files are only written after everything was built).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ap.core.config import ApConfig
from ap.core.errors import PlanInvalid, UsageError
from ap.core.events import Emit, event
from ap.core.models import (
    AnalysisReport,
    CandidateFile,
    CoordinationPlan,
    ObjectiveSpec,
    Source,
    TaskType,
)
from ap.git import Git
from ap.state.store import Store


@dataclass
class PlanOutcome:
    """What a planning run produced, and where it was written (nothing on a dry run)."""

    analysis: AnalysisReport
    plan: CoordinationPlan | None = None
    written: list[Path] = field(default_factory=list)


def _store(git: Git, config: ApConfig) -> Store:
    return Store(git.root, config.state_dir)


def _new_id(git: Git, config: ApConfig, text: str) -> str:
    prefix = config.branch_prefix

    def branch_taken(candidate: str) -> bool:
        return git.rev_parse(f"refs/heads/{prefix}{candidate}/integration") is not None

    return _store(git, config).new_id(text, taken=branch_taken)


def require_base_commit(git: Git) -> str:
    """The commit a plan starts from: HEAD, which must exist (an empty repository has none,
    and a plan without a base cannot start: refused before anything is written)."""
    head = git.head()
    if head is None:
        raise UsageError(
            "this repository has no commit yet (HEAD is unborn): a plan starts from a commit",
            hint='make a first commit, e.g. git add -A && git commit -m "initial commit"',
        )
    return head


def emit_analysis(emit: Emit, report: AnalysisReport) -> None:
    emit(
        event(
            "task_type_determined",
            "analysis",
            task_type=report.task_type.value,
            reasons=report.task_type_reasons,
        )
    )
    emit(event("coordination_points", "analysis", points=report.coordination_points))
    emit(event("scope_strategy", "analysis", strategy=report.scope_strategy))
    emit(
        event(
            "phase_complete",
            "analysis",
            message=f"analysis {report.id}: {report.task_type.value}, "
            f"{len(report.candidate_files)} candidate files",
            report=report,
        )
    )


def run_analysis(
    git: Git,
    config: ApConfig,
    request: str,
    *,
    emit: Emit,
    source: Source | None = None,
) -> tuple[AnalysisReport, list[ObjectiveSpec]]:
    """The analytic phase: the configured analyst reads the repository for ``request``."""
    from ap.analyze import analyze

    request = request.strip()
    require_base_commit(git)
    emit(event("phase_start", "analysis", title="Analysis"))
    analysis_id = _new_id(git, config, request)

    def progress(activity: str) -> None:
        emit(event("status", "analysis", current_activity=activity, progress_percent=0.0))

    result = analyze(
        git, request, config=config, analysis_id=analysis_id, source=source, progress=progress
    )
    emit_analysis(emit, result.report)
    return result.report, list(result.objectives)


def given_analysis(
    git: Git, config: ApConfig, request: str, specs: Sequence[ObjectiveSpec], source: Source
) -> AnalysisReport:
    """The analysis recorded when the owner gave the objectives: nothing was inferred."""
    base = require_base_commit(git)
    paths = sorted({p for s in specs for p in s.scope_touch})
    return AnalysisReport(
        id=_new_id(git, config, request),
        request=request,
        source=source,
        base_commit=base,
        analyst="given",
        task_type=TaskType.FEATURE,
        task_type_reasons=[f"objectives were given in {source.describe()}"],
        candidate_files=[CandidateFile(path=p, reason="in a given scope_touch") for p in paths],
        scope_strategy=(
            "The objectives and their scopes were given by the owner; ap only checked "
            "the scopes, computed the waves and validated the plan."
        ),
    )


def make_plan(
    git: Git,
    config: ApConfig,
    analysis: AnalysisReport,
    specs: Sequence[ObjectiveSpec],
    *,
    emit: Emit,
    allow: Sequence[str] = (),
) -> CoordinationPlan:
    """The planning phase: objectives → conflict graph → optimal waves → validation."""
    from ap.plan.build import build_plan

    emit(event("phase_start", "planning", title="Coordination plan"))
    plan = build_plan(
        specs,
        plan_id=analysis.id,
        request=analysis.request,
        global_forbid=config.effective_global_forbid(),
        allowed=list(allow),
        max_parallel=config.max_parallel,
        case_sensitive=config.case_sensitive_scopes,
        must_change=[c.path for c in analysis.candidate_files if c.must_change],
        base_commit=analysis.base_commit,
        analysis_id=analysis.id,
        integration_branch=f"{config.branch_prefix}{analysis.id}/integration",
        source=analysis.source,
    )
    emit(event("objectives_created", "planning", objectives=plan.objectives))
    validation = plan.scope_validation
    emit(
        event(
            "waves_created",
            "planning",
            waves=plan.waves,
            lower_bound=validation.lower_bound,
            optimal=validation.optimal,
        )
    )
    emit(event("scope_validated", "planning", scope_validation=validation))
    return plan


def finish(
    git: Git,
    config: ApConfig,
    analysis: AnalysisReport,
    plan: CoordinationPlan | None,
    *,
    emit: Emit,
    dry_run: bool,
) -> PlanOutcome:
    """Write the artifacts (unless dry run) once everything is built; refuse invalid plans."""
    outcome = PlanOutcome(analysis=analysis, plan=plan)
    if plan is not None and not plan.scope_validation.valid:
        emit(event("phase_complete", "planning", message="plan is invalid", ok=False, plan=plan))
        count = len(plan.scope_validation.violations)
        raise PlanInvalid(
            f"the plan breaks {count} rule(s); nothing was written",
            hint="narrow the scopes, or pass --allow PATTERN for a forbidden path you mean",
        )
    store = _store(git, config)
    if not dry_run:
        outcome.written.append(store.save(analysis))
        if plan is not None:
            outcome.written.append(store.save(plan))
    if plan is not None:
        where = (
            "dry run: nothing written"
            if dry_run
            else f"wrote {store.relpath(outcome.written[-1])}, the draft `ap start` commits on "
            f"{plan.integration_branch or 'its integration branch'}"
        )
        emit(
            event(
                "phase_complete",
                "planning",
                message=f"plan {plan.id}: {len(plan.objectives)} objectives in "
                f"{len(plan.waves)} wave(s); {where}",
                plan=plan,
            )
        )
    return outcome
