"""The default analyst: reads the code and its history; no network, no key."""

from __future__ import annotations

from collections.abc import Callable

from ap.analyze.companions import companions
from ap.analyze.crossing import propose_contracts
from ap.analyze.grouping import (
    DOC_LANGUAGES,
    MAX_OBJECTIVES,
    Group,
    group_files,
)
from ap.analyze.history import History
from ap.analyze.index import RepoIndex
from ap.analyze.newfiles import attach_patterns, new_file_patterns
from ap.analyze.relevance import Ranked, says_where
from ap.analyze.result import AnalysisResult
from ap.analyze.tasktype import classify
from ap.core.models import (
    AnalysisReport,
    CandidateFile,
    Complexity,
    CoordinationPoint,
    ObjectiveSpec,
    Source,
)

MAX_FILES = 25
MIN_FILES = 7
VAGUE_FILES = 3  # a request that says nothing specific gets a small scope and a warning
RELATIVE_CUT = 0.35
HOT_SHARE = 0.08  # a non-code file touched by this share of commits is glue (a changelog)
HOT_MIN_COMMITS = 20  # in a younger history every file looks hot
TEST_PARTNER = 0.4  # a test that changed with a source this often (relative) joins it


def select_files(
    index: RepoIndex,
    history: History,
    ranked: list[Ranked],
    allowed: Callable[[str], bool],
    request: str = "",
) -> list[Ranked]:
    """The candidate files: the clear leaders of the ranking, their companions, and hot glue."""
    usable = [r for r in ranked if r.score > 0 and allowed(r.path)]
    if not usable:
        return []
    top = usable[0].score
    chosen = [
        r
        for n, r in enumerate(usable[:MAX_FILES])
        if n < MIN_FILES or r.score >= RELATIVE_CUT * top
    ]
    names = {r.path for r in chosen}

    def add(r: Ranked, reason: str | None = None) -> None:
        if r.path not in names:
            chosen.append(Ranked(r.path, r.score, (*r.reasons, reason)) if reason else r)
            names.add(r.path)

    # A test joins by the request's words (the ranking), the history (its partner) or the
    # project's conventions (companions); a file name alone is no evidence: on 120 real
    # commits, pairing `test_<module>.py` with a chosen `<module>.py` added 123 files, 3 changed.
    sources = [r.path for r in chosen if not index.files[r.path].is_test]
    by_path = {r.path: r for r in usable}
    for source in sources[:2]:
        partner = _test_partner(index, history, source)
        if partner is not None and partner in by_path:
            add(by_path[partner], f"its tests usually change with {source}")
    for path, why in companions(index, [r.path for r in chosen], request):
        if allowed(path):
            add(by_path.get(path, Ranked(path, 0.0, ())), why)
    for r in usable:
        if _hot(index, history, r.path):
            add(r, "most changes here touch it")
    return chosen


def _test_partner(index: RepoIndex, history: History, source: str) -> str | None:
    """The test file that changed most often together with ``source``, if often enough."""
    own = history.frequency.get(source, 0.0) or 1.0
    tests = [
        (weight / own, other)
        for other, weight in history.cochange.get(source, {}).items()
        if other in index.files and index.files[other].is_test
    ]
    best = max(tests, default=None)
    return best[1] if best is not None and best[0] >= TEST_PARTNER else None


def _hot(index: RepoIndex, history: History, path: str) -> bool:
    """A non-code file that a good share of a long enough history touched (a changelog)."""
    return (
        history.commits >= HOT_MIN_COMMITS
        and index.files[path].language in DOC_LANGUAGES
        and history.share(path) >= HOT_SHARE
    )


def _glue(index: RepoIndex, history: History, files: list[str]) -> set[str]:
    return {f for f in files if _hot(index, history, f)}


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


def _users(
    ranked: list[Ranked],
    users: dict[str, list[str]],
    known: set[str],
    allowed: Callable[[str], bool],
) -> list[Ranked]:
    """The files using the names a refactoring changes, not chosen yet."""
    score = {r.path: r.score for r in ranked}
    out = []
    for name, paths in users.items():
        for path in paths:
            if path not in known and allowed(path):
                known.add(path)
                reason = f"in `{name}`" if name.endswith("/") else f"uses `{name}`"
                out.append(Ranked(path, score.get(path, 0.0), (reason,)))
    return out


def _objective(n: int, group: Group, request: str, summary: str) -> ObjectiveSpec:
    title = f"Integrate and document: {summary}" if group.integration else f"{group.key}: {summary}"
    return ObjectiveSpec(
        id=f"T{n}",
        title=title[:120],
        description=f"Part of: {request.strip()[:500]}",
        scope_touch=[*sorted(group.files), *group.patterns],
        complexity=Complexity.LOW if len(group.files) <= 2 else Complexity.MEDIUM,
        acceptance=["the change is complete for these files and the project's tests pass"],
    )


def _summary(request: str, *, width: int | None = 80, empty: str = "request") -> str:
    """The request's first line (cut to ``width``)."""
    line = request.strip().splitlines()[0] if request.strip() else empty
    return line[:width]


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
    users: dict[str, list[str]] | None = None,
) -> AnalysisResult:
    """The Analysis Report and objectives for ``request``.

    ``users`` maps a name the request renames or removes to the files using it,
    and a folder it names to its files: they all join the scope, however many.
    """
    task_type, reasons = classify(request)
    chosen = select_files(index, history, ranked, allowed, request)
    flat = len(chosen) >= MAX_FILES
    chosen += _users(ranked, users or {}, {r.path for r in chosen}, allowed)
    vague = not says_where(index, request)
    if vague:
        chosen = chosen[:VAGUE_FILES]
    files = [r.path for r in chosen]
    groups = group_files(index, files, _glue(index, history, files))
    if not vague:
        attach_patterns(groups, new_file_patterns(index, history, request, files))
    summary = _summary(request)
    objectives = [_objective(n, g, request, summary) for n, g in enumerate(groups, 1)]
    owner = {f: o.id for o, g in zip(objectives, groups, strict=True) for f in g.files}
    points = coordination_points(index, owner)
    propose_contracts(objectives, points)  # each import that crosses: its pair's contract
    integration = [o for o, g in zip(objectives, groups, strict=True) if g.integration]
    for o in integration:
        o.depends_on = [x.id for x in objectives if x is not o]
        o.integration_points = (
            [f"records what {', '.join(o.depends_on)} changed"] if o.depends_on else []
        )
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
        risks=_risks(chosen, points, vague=vague, flat=flat),
    )
    return AnalysisResult(report=report, objectives=objectives)


def _strategy(groups: list[Group]) -> str:
    if not groups:
        return "No file of the repository matched the request; nothing to plan."
    parts = [
        f"{len(groups)} objective(s) with exact file scopes: one per folder of source files "
        f"(folders merged up to a common parent beyond {MAX_OBJECTIVES}), each with the tests "
        "of its files, so they can run in parallel."
    ]
    if any(g.integration for g in groups):
        parts.append(
            "Documentation and files most changes touch come last, in an integration objective."
        )
    return " ".join(parts)


def _risks(
    chosen: list[Ranked], points: list[CoordinationPoint], *, vague: bool, flat: bool
) -> list[str]:
    risks = []
    if vague:
        risks.append(
            "the request names no code, file or word specific to this repository: the scope "
            "is a guess; say what to change (a function, a file, a behaviour) and plan again"
        )
    elif flat:
        risks.append(
            f"the ranking is flat ({MAX_FILES} files score alike): the request may not say "
            "enough; review the scopes, or name the code to change, before running"
        )
    if points:
        risks.append(f"{len(points)} cross-objective symbol use(s) must stay consistent")
    if not chosen:
        risks.append("no relevant file was found; the request may need more detail")
    return risks
