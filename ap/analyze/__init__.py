"""The analytic phase: index, history, relevance, analysts."""

from __future__ import annotations

from collections.abc import Callable

from ap.analyze.result import AnalysisResult
from ap.core.config import ApConfig
from ap.core.models import AccomplishmentReport, Source
from ap.git import Git

__all__ = ["AnalysisResult", "analyze"]


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
    from ap.analyze.heuristic import heuristic_analysis
    from ap.analyze.history import read_history
    from ap.analyze.index import build_index
    from ap.analyze.relevance import rank_files
    from ap.scope import ScopeMatcher
    from ap.state.store import Store

    say = progress or (lambda _: None)
    say("indexing files")
    index = build_index(git)
    say("reading history")
    past = [
        (a.request, [f for o in a.objectives for f in o.files])
        for a in Store(git.root, config.state_dir).all("accomplishment")
        if isinstance(a, AccomplishmentReport)
    ]
    history = read_history(git, past)
    say("ranking files")
    ranked = rank_files(index, history, request)
    forbidden = ScopeMatcher(
        config.effective_global_forbid(), case_sensitive=config.case_sensitive_scopes
    )
    if config.analyst.kind != "heuristic":
        from ap.analyze.llm import llm_analyze
        from ap.analyze.repomap import repo_map

        return llm_analyze(
            request,
            repo_map(index, ranked),
            config=config.analyst,
            analysis_id=analysis_id,
            source=source,
            base_commit=git.head(),
            known_paths=set(index.files),
        )
    from ap.analyze.mentions import folder_files, name_users
    from ap.analyze.tasktype import classify
    from ap.core.models import TaskType

    users = (
        name_users(index, request, git.grep_word)
        if classify(request)[0] is TaskType.REFACTOR
        else {}
    )
    users.update(folder_files(index, request))
    return heuristic_analysis(
        index,
        history,
        ranked,
        request,
        users=users,
        analysis_id=analysis_id,
        source=source,
        base_commit=git.head(),
        allowed=lambda path: not forbidden.covers(path),
    )
