"""What this analysis took from past plans, said in the report and told to an LLM analyst.

A past plan teaches the history (history.py) the words of its request for the files
it changed, and that those files change together. It is cited only when that
changed this analysis: its request shares a word with this one and it changed a
candidate file (the word raised the file), or it changed a candidate file that the
ranking pulled up for changing together with a top match the plan changed too.
From a cited plan the report takes what concerns the candidate files: the
objectives that failed and why, the contracts, the scope grants, the known issues.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from ap.analyze.index import RepoIndex
from ap.analyze.past import MAX_FILES, PastObjective, PastPlan, text
from ap.analyze.relevance import Ranked
from ap.analyze.text import VAGUE_WORDS, words
from ap.core.errors import ApError
from ap.core.models import (
    CandidateFile,
    PastContract,
    PastFailure,
    PastGrant,
    PastPlanCitation,
)

COCHANGE_REASON = "usually changes together with the top matches"
TOP_MATCHES = 3  # the files the ranking takes co-change from (relevance.COCHANGE_SEEDS)
MAX_CITED = 8
MAX_RISKS = 6
LLM_BUDGET = 6000  # characters of past plans in an LLM analyst's prompt
NOT_DONE = frozenset({"failed", "blocked"})

Covers = Callable[[str], bool]


def _matcher(patterns: Iterable[str]) -> Covers:
    """Whether a path is covered by one of ``patterns`` (a malformed one is left out)."""
    from ap.scope import ScopeMatcher

    usable = []
    for pattern in patterns:
        try:
            ScopeMatcher([pattern])
        except ApError:
            continue
        usable.append(pattern)
    matcher = ScopeMatcher(usable)
    return matcher.covers


def plan_files(plan: PastPlan, index: RepoIndex) -> list[str]:
    """The files a plan changed; for one with no merged work yet, the files its scopes
    (and grants) cover today."""
    changed = plan.files()
    if changed:
        return changed
    covered = _matcher(plan.scopes())
    return [p for p in index.files if covered(p)][:MAX_FILES]


def lessons(plans: Iterable[PastPlan], index: RepoIndex) -> list[tuple[str, list[str]]]:
    """``(request, files)`` of each plan: what the history learns words and co-change from
    (the same files :func:`influencing` looks at)."""
    return [(p.request, plan_files(p, index)) for p in plans]


def _shared_words(request: str, plan: PastPlan) -> list[str]:
    mine = {w for w in words(request) if w not in VAGUE_WORDS}
    return sorted(mine.intersection(words(plan.request)))


def _boosted(
    plan_paths: set[str], shared: list[str], candidates: Sequence[CandidateFile], top: set[str]
) -> list[str]:
    """The candidate files this plan raised (see the module doc)."""
    out = []
    for c in candidates:
        if c.path not in plan_paths:
            continue
        by_words = bool(shared)
        by_cochange = COCHANGE_REASON in c.reason and bool((top - {c.path}) & plan_paths)
        if by_words or by_cochange:
            out.append(c.path)
    return out


def _concerns(objective: PastObjective, paths: Sequence[str]) -> bool:
    """Whether a past objective's scope or files cover one of ``paths`` (unknown: yes)."""
    if not objective.scope and not objective.files:
        return True
    covered = _matcher([*objective.scope, *objective.files])
    return any(covered(p) for p in paths)


def _citation(plan: PastPlan, shared: list[str], boosted: list[str]) -> PastPlanCitation:
    concerned = {o.id for o in plan.objectives if _concerns(o, boosted)}
    failures = [
        PastFailure(task=o.id, title=o.title, status=o.status, reason=o.reason)
        for o in plan.objectives
        if o.status in NOT_DONE and o.id in concerned
    ]
    contracts = [
        PastContract(
            provider=c["provider"],
            consumer=c["consumer"],
            description=c["description"],
            symbol=c["symbol"] or None,
        )
        for c in plan.contracts
        if {c["provider"], c["consumer"]} & concerned
        or (c["symbol"] or "").partition(":")[0] in boosted
    ]
    grants = [
        PastGrant(task=g["task"], pattern=g["pattern"], why=g["why"])
        for g in plan.grants
        if g["task"] in concerned or any(_matcher([g["pattern"]])(p) for p in boosted)
    ]
    issues = [
        i["text"] for i in plan.known_issues if not i["objective"] or i["objective"] in concerned
    ]
    return PastPlanCitation(
        plan_id=plan.plan_id,
        request=text(plan.request, 300),
        status=plan.status,
        where=plan.where,
        words=shared,
        boosted=boosted,
        failures=failures,
        contracts=contracts,
        grants=grants,
        known_issues=issues[:5],
    )


def influencing(
    plans: Sequence[PastPlan],
    index: RepoIndex,
    request: str,
    candidates: Sequence[CandidateFile],
    ranked: Sequence[Ranked],
) -> list[tuple[PastPlan, list[str], list[str]]]:
    """The past plans that changed this analysis (newest first, at most ``MAX_CITED``),
    each with the words it shares with the request and the candidate files it raised."""
    top = {r.path for r in ranked[:TOP_MATCHES]}
    found = []
    for plan in plans:
        shared = _shared_words(request, plan)
        boosted = _boosted(set(plan_files(plan, index)), shared, candidates, top)
        if boosted:
            found.append((plan, shared, boosted))
        if len(found) == MAX_CITED:
            break
    return found


def cite(influence: Sequence[tuple[PastPlan, list[str], list[str]]]) -> list[PastPlanCitation]:
    """The citations of :func:`influencing`'s plans (detailed first: PastPlans.detail)."""
    return [_citation(plan, shared, boosted) for plan, shared, boosted in influence]


def as_candidates(chosen: Sequence[Ranked]) -> list[CandidateFile]:
    """The heuristic's choice of files as candidates (what an LLM analyst is shown first)."""
    return [CandidateFile(path=r.path, reason="; ".join(r.reasons)) for r in chosen]


def mark_candidates(candidates: Sequence[CandidateFile], cited: Sequence[PastPlanCitation]) -> None:
    """Say in each raised candidate's reason which past plans raised it (at most two)."""
    by_path: dict[str, list[str]] = {}
    for citation in cited:
        for path in citation.boosted:
            by_path.setdefault(path, []).append(citation.plan_id)
    for c in candidates:
        ids = by_path.get(c.path)
        if ids:
            named = ", ".join(f"`{i}`" for i in ids[:2]) + (" …" if len(ids) > 2 else "")
            c.reason = f"{c.reason}; past plan {named} changed it"


def past_risks(cited: Sequence[PastPlanCitation]) -> list[str]:
    """What went wrong or needed more scope last time, as risks for this analysis."""
    risks = []
    for c in cited:
        for f in c.failures:
            why = f": {f.reason}" if f.reason else ""
            risks.append(f"past plan {c.plan_id}: {f.task} ({f.title}) {f.status}{why}")
        for g in c.grants:
            why = f" ({g.why})" if g.why else ""
            risks.append(
                f"past plan {c.plan_id}: {g.task} needed `{g.pattern}` granted while it ran"
                f"{why}; consider it in scope"
            )
    return risks[:MAX_RISKS]


def _llm_entry(c: PastPlanCitation, plan: PastPlan | None) -> dict[str, object]:
    return {
        "plan": c.plan_id,
        "status": c.status,
        "request": c.request,
        "summary": plan.summary if plan else "",
        "files": (plan.files() if plan else c.boosted)[:30],
        "failures": [f"{f.task} {f.title}: {f.status} {f.reason}"[:300] for f in c.failures],
        "contracts": [
            f"{x.provider} -> {x.consumer}: {x.symbol or ''} {x.description}"[:300]
            for x in c.contracts
        ],
        "grants": [f"{g.task}: {g.pattern} ({g.why})"[:300] for g in c.grants],
        "known_issues": c.known_issues,
    }


def llm_summary(cited: Sequence[PastPlanCitation], plans: Sequence[PastPlan]) -> str:
    """The cited plans for an LLM analyst's prompt: JSON data, bounded in size (the
    oldest cited plans are left out first)."""
    by_id = {p.plan_id: p for p in plans}
    entries = [_llm_entry(c, by_id.get(c.plan_id)) for c in cited]
    while entries:
        body = json.dumps(entries, ensure_ascii=False, indent=1)
        if len(body) <= LLM_BUDGET:
            return body
        entries.pop()
    return ""
