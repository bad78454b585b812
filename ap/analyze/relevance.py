"""Files ranked for a request: words in code and paths, words of past changes, history."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ap.analyze.history import History, cochange_of
from ap.analyze.index import RepoIndex
from ap.analyze.mentions import code_names, file_names, mention_scores
from ap.analyze.text import VAGUE_WORDS, words

# How much each signal counts. Chosen on the shared scope benchmark as plain,
# repository-independent weights: words of the code, words of past changes to the
# file, symbols the request names, how often the file changes, co-change with the
# best matches, and code or files the request names outright (mentions.py).
WEIGHTS = {
    "content": 0.45,
    "past": 0.35,
    "symbols": 0.1,
    "prior": 0.2,
    "cochange": 0.4,
    "mentions": 0.7,
}
COCHANGE_SEEDS = 3


@dataclass(frozen=True)
class Ranked:
    path: str
    score: float
    reasons: tuple[str, ...]


def _bm25(
    docs: Mapping[str, Mapping[str, int]], query: list[str], k1: float = 1.2, b: float = 0.75
) -> dict[str, float]:
    if not docs or not query:
        return {}
    n = len(docs)
    lengths = {p: sum(d.values()) for p, d in docs.items()}
    avg = sum(lengths.values()) / n or 1.0
    df: Counter[str] = Counter()
    for d in docs.values():
        df.update(t for t in set(query) if t in d)
    scores: dict[str, float] = {}
    for p, d in docs.items():
        s = 0.0
        for t in set(query):
            tf = d.get(t, 0)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[p] / avg))
        if s:
            scores[p] = s
    return scores


def _normalised(scores: Mapping[str, float]) -> dict[str, float]:
    top = max(scores.values(), default=0.0)
    return {p: s / top for p, s in scores.items()} if top else {}


def _symbol_hits(index: RepoIndex, query: set[str]) -> dict[str, float]:
    named: dict[str, bool] = {}  # symbol → all its words are in the query (each seen once)

    def in_query(symbol: str) -> bool:
        hit = named.get(symbol)
        if hit is None:
            parts = set(words(symbol))
            hit = named[symbol] = bool(parts) and parts <= query
        return hit

    hits: dict[str, float] = {}
    for path, info in index.files.items():
        found = sum(1 for s in info.symbols if in_query(s))
        if found:
            hits[path] = min(1.0, 0.5 + 0.25 * found)
    return hits


def rank_files(index: RepoIndex, history: History, request: str) -> list[Ranked]:
    """Every file with a score for ``request`` (highest first), with the reasons."""
    query = words(request)
    content = _normalised(_bm25({p: f.terms for p, f in index.files.items()}, query))
    past = _normalised(
        _bm25({p: m for p, m in history.messages.items() if p in index.files}, query)
    )
    symbols = _symbol_hits(index, set(query))
    mentioned = mention_scores(index, request)
    base: dict[str, float] = {}
    for path in index.files:
        score = (
            WEIGHTS["content"] * content.get(path, 0.0)
            + WEIGHTS["past"] * past.get(path, 0.0)
            + WEIGHTS["symbols"] * symbols.get(path, 0.0)
            + WEIGHTS["mentions"] * mentioned.get(path, 0.0)
        )
        base[path] = score + WEIGHTS["prior"] * history.prior(path)
    top = [p for p, _ in sorted(base.items(), key=lambda kv: -kv[1])[:COCHANGE_SEEDS]]
    partners = cochange_of(history, top)
    scored = []
    for path, score in base.items():
        reasons = []
        if content.get(path, 0) > 0.3:
            reasons.append("its code and path match the request")
        if past.get(path, 0) > 0.3:
            reasons.append("past changes to it were about the same things")
        if symbols.get(path):
            reasons.append("defines a symbol the request names")
        if mentioned.get(path, 0) > 0.3:
            reasons.append("the request names it or code in it")
        bonus = WEIGHTS["cochange"] * min(1.0, partners.get(path, 0.0))
        if bonus > 0.05:
            reasons.append("usually changes together with the top matches")
        if history.prior(path) > 0.5:
            reasons.append("one of the most often changed files")
        scored.append(Ranked(path, score + bonus, tuple(reasons)))
    scored.sort(key=lambda r: (-r.score, r.path))
    return scored


def says_where(index: RepoIndex, request: str) -> bool:
    """Whether ``request`` gives the ranking something to find.

    It does when it names code or a file, or has a word beyond the vague ones
    ("improve", "performance", "clean up") that some file of the repository contains.
    """
    if code_names(request) or file_names(request):
        return True
    query = {w for w in words(request) if w not in VAGUE_WORDS}
    return any(not query.isdisjoint(info.terms) for info in index.files.values())
