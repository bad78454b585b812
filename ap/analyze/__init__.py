"""The analytic phase: index, history, past plans, relevance, analysts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ap.analyze.result import AnalysisResult
from ap.core.config import ApConfig
from ap.core.models import Source
from ap.git import Git

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ap.analyze.index import RepoIndex
    from ap.analyze.past import PastPlan, PastPlans
    from ap.analyze.relevance import Ranked
    from ap.core.models import CandidateFile, PastPlanCitation

__all__ = ["AnalysisResult", "analyze"]


def _without_state(index: RepoIndex, config: ApConfig) -> RepoIndex:
    """The index without ap's own artifacts (plans, reports, sessions): they are what ap
    wrote about past requests, not the project, and would match every request like them."""
    from ap.analyze.index import RepoIndex

    folders = tuple(f"{folder}/" for folder in config.state_folders())
    kept = {p: info for p, info in index.files.items() if not p.startswith(folders)}
    return index if len(kept) == len(index.files) else RepoIndex(index.tree, kept)


def _cite(
    past: PastPlans,
    plans: list[PastPlan],
    index: RepoIndex,
    request: str,
    candidates: Sequence[CandidateFile],
    ranked: Sequence[Ranked],
) -> list[PastPlanCitation]:
    """The past plans that changed this analysis, read in full (only they are)."""
    from ap.analyze.learning import cite, influencing

    influence = influencing(plans, index, request, candidates, ranked)
    past.detail(plan for plan, _, _ in influence)
    past.save()
    return cite(influence)


def analyze(
    git: Git,
    request: str,
    *,
    config: ApConfig,
    analysis_id: str,
    source: Source | None = None,
    progress: Callable[[str], None] | None = None,
) -> AnalysisResult:
    """Analyse ``request`` against the repository with the configured analyst."""
    from ap.analyze.heuristic import heuristic_analysis, select_files
    from ap.analyze.history import read_history
    from ap.analyze.index import build_index
    from ap.analyze.learning import lessons, llm_summary, mark_candidates, past_risks
    from ap.analyze.past import PastPlans
    from ap.analyze.relevance import rank_files
    from ap.scope import ScopeMatcher

    say = progress or (lambda _: None)
    say("indexing files")
    index = _without_state(build_index(git), config)
    say("reading history and past plans")
    past = PastPlans(git, state_dir=config.state_dir, branch_prefix=config.branch_prefix)
    plans = past.load()
    history = read_history(git, lessons(plans, index))
    say("ranking files")
    ranked = rank_files(index, history, request)
    forbidden = ScopeMatcher(
        config.effective_global_forbid(), case_sensitive=config.case_sensitive_scopes
    )

    def allowed(path: str) -> bool:
        return not forbidden.covers(path)

    say("proposing objectives")
    if config.analyst.kind != "heuristic":
        from ap.analyze.learning import as_candidates
        from ap.analyze.llm import llm_analyze
        from ap.analyze.repomap import repo_map

        shown = as_candidates(select_files(index, history, ranked, allowed))
        cited = _cite(past, plans, index, request, shown, ranked)
        result = llm_analyze(
            request,
            repo_map(index, ranked),
            config=config.analyst,
            analysis_id=analysis_id,
            source=source,
            base_commit=git.head(),
            known_paths=set(index.files),
            past=llm_summary(cited, plans),
        )
        result.report.past_plans = cited
        return result
    from ap.analyze.mentions import folder_files, name_users
    from ap.analyze.tasktype import classify
    from ap.core.models import TaskType

    users = (
        name_users(index, request, git.grep_word)
        if classify(request)[0] is TaskType.REFACTOR
        else {}
    )
    users.update(folder_files(index, request))
    result = heuristic_analysis(
        index,
        history,
        ranked,
        request,
        users=users,
        analysis_id=analysis_id,
        source=source,
        base_commit=git.head(),
        allowed=allowed,
    )
    report = result.report
    cited = _cite(past, plans, index, request, report.candidate_files, ranked)
    mark_candidates(report.candidate_files, cited)
    report.past_plans = cited
    report.risks = [*report.risks, *past_risks(cited)]
    return result
