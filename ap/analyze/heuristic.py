"""The default analyst: reads the code and its history; no network, no key."""

from __future__ import annotations

from collections.abc import Callable

from ap.analyze.grouping import DOC_LANGUAGES, Group, group_files, tested_source
from ap.analyze.history import History
from ap.analyze.index import RepoIndex
from ap.analyze.relevance import Ranked
from ap.analyze.result import AnalysisResult
from ap.analyze.tasktype import classify
from ap.models import (
    AnalysisReport,
    CandidateFile,
    Complexity,
    CoordinationPoint,
    ObjectiveSpec,
    Source,
)

MAX_FILES = 14
MIN_FILES = 3
RELATIVE_CUT = 0.45
HOT_SHARE = 0.12  # a non-code file touched by this share of commits is glue (a changelog)


def select_files(
    index: RepoIndex, history: History, ranked: list[Ranked], allowed: Callable[[str], bool]
) -> list[Ranked]:
    """The candidate files: the clear leaders of the ranking, their tests, and hot glue."""
    usable = [r for r in ranked if allowed(r.path) and r.score > 0]
    if not usable:
        return []
    top = usable[0].score
    chosen = [
        r
        for n, r in enumerate(usable[:MAX_FILES])
        if n < MIN_FILES or r.score >= RELATIVE_CUT * top
    ]
    names = {r.path for r in chosen}
    near = usable[: MAX_FILES * 3]
    sources = [r.path for r in chosen if not index.files[r.path].is_test]
    for r in near:
        if r.path not in names and index.files[r.path].is_test and tested_source(r.path, sources):
            chosen.append(r)
            names.add(r.path)
    for r in usable:
        info = index.files[r.path]
        if (
            r.path not in names
            and info.language in DOC_LANGUAGES
            and history.share(r.path) >= HOT_SHARE
        ):
            chosen.append(Ranked(r.path, r.score, (*r.reasons, "most changes here touch it")))
            names.add(r.path)
    return chosen


def _glue(index: RepoIndex, history: History, files: list[str]) -> set[str]:
    return {
        f
        for f in files
        if index.files[f].language in DOC_LANGUAGES and history.share(f) >= HOT_SHARE
    }


def coordination_points(index: RepoIndex, owner: dict[str, str]) -> list[CoordinationPoint]:
    """File A uses symbol S defined in file B, and A and B are in different objectives."""
    modules = index.module_paths()
    points = []
    for path, objective in owner.items():
        info = index.files.get(path)
        if info is None:
            continue
        for name in info.imports:
            module, _, symbol = name.rpartition(".")
            target = modules.get(module)
            if not target or target == path or target not in owner or owner[target] == objective:
                continue
            if symbol in index.files[target].symbols:
                points.append(
                    CoordinationPoint(
                        description=f"{path} and {target} must agree on {symbol}",
                        files=[path, target],
                        symbol=symbol,
                        objectives=[objective, owner[target]],
                    )
                )
    return points[:20]


def _objective(n: int, group: Group, request: str, summary: str) -> ObjectiveSpec:
    title = f"Integrate and document: {summary}" if group.integration else f"{group.key}: {summary}"
    return ObjectiveSpec(
        id=f"T{n}",
        title=title[:120],
        description=f"Part of: {request.strip()[:500]}",
        scope_touch=sorted(group.files),
        complexity=Complexity.LOW if len(group.files) <= 2 else Complexity.MEDIUM,
        acceptance=["the change is complete for these files and the project's tests pass"],
    )


def _summary(request: str) -> str:
    line = request.strip().splitlines()[0] if request.strip() else "request"
    return line[:80]


def heuristic_analysis(
    index: RepoIndex,
    history: History,
    ranked: list[Ranked],
    request: str,
    *,
    analysis_id: str,
    source: Source | None,
    base_commit: str | None,
    allowed: Callable[[str], bool],
) -> AnalysisResult:
    """The Analysis Report and objectives for ``request``."""
    task_type, reasons = classify(request)
    chosen = select_files(index, history, ranked, allowed)
    files = [r.path for r in chosen]
    groups = group_files(index, files, _glue(index, history, files))
    summary = _summary(request)
    objectives = [_objective(n, g, request, summary) for n, g in enumerate(groups, 1)]
    owner = {f: o.id for o, g in zip(objectives, groups, strict=True) for f in g.files}
    points = coordination_points(index, owner)
    integration = [o for o, g in zip(objectives, groups, strict=True) if g.integration]
    for o in integration:
        o.depends_on = [x.id for x in objectives if x is not o]
        o.integration_points = [p.description for p in points] or [
            f"records what {', '.join(o.depends_on)} changed" if o.depends_on else "none"
        ]
        if not o.depends_on:
            o.integration_points = []
    top = chosen[0].score if chosen else 1.0
    candidates = [
        CandidateFile(
            path=r.path,
            relevance=round(min(1.0, r.score / top), 3) if top else 0.0,
            reason="; ".join(r.reasons) or "related by words in the code",
            must_change=n == 0,
        )
        for n, r in enumerate(chosen)
    ]
    report = AnalysisReport(
        id=analysis_id,
        request=request,
        source=source or Source(),
        base_commit=base_commit,
        analyst="heuristic",
        task_type=task_type,
        task_type_reasons=reasons,
        coordination_points=points,
        candidate_files=candidates,
        scope_strategy=_strategy(groups),
        risks=_risks(chosen, points),
    )
    return AnalysisResult(report=report, objectives=objectives)


def _strategy(groups: list[Group]) -> str:
    if not groups:
        return "No file of the repository matched the request; nothing to plan."
    parts = [
        f"{len(groups)} objective(s) with exact file scopes: one per folder of source files, "
        "each with the tests of its files, so they can run in parallel."
    ]
    if any(g.integration for g in groups):
        parts.append(
            "Documentation and files most changes touch come last, in an integration objective."
        )
    return " ".join(parts)


def _risks(chosen: list[Ranked], points: list[CoordinationPoint]) -> list[str]:
    risks = []
    if points:
        risks.append(f"{len(points)} cross-objective symbol use(s) must stay consistent")
    if len(chosen) >= MAX_FILES:
        risks.append("the request touches many files; review the scopes before running")
    if not chosen:
        risks.append("no relevant file was found; the request may need more detail")
    return risks
