"""Words from requests, paths, identifiers and prose, in one comparable form."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_STOP_TEXT = """
a an and are as at be by can for from has have if in into is it its of on or so that the this
to was were will with when which while not no do does add added adds use used uses using make
makes made fix fixed fixes fixing should would could now also new more than then there their
them they we our you your all any some only just out up down via per set get let
"""
STOPWORDS = frozenset(re.findall(r"[a-z]+", _STOP_TEXT))


def stem(word: str) -> str:
    """A light stem: plural and common suffixes off, so `tokens` meets `token`."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


_NORMAL: dict[str, str] = {}  # raw token → its word ("" when dropped); tokens repeat a lot


def _normal(raw: str) -> str:
    word = _NORMAL.get(raw)
    if word is None:
        low = raw.lower()
        word = stem(low) if len(low) > 1 and low not in STOPWORDS else ""
        _NORMAL[raw] = word
    return word


def words(text: str) -> list[str]:
    """Lower-case stemmed words of ``text``, identifiers split at case and underscores."""
    return [w for w in map(_normal, _WORD.findall(text)) if w]


def bag(text: str) -> Counter[str]:
    """The words of ``text`` with their counts (each distinct token normalised once)."""
    out: Counter[str] = Counter()
    for raw, count in Counter(_WORD.findall(text)).items():
        word = _normal(raw)
        if word:
            out[word] += count
    return out


# Words that say how the code should be, not where: a request made only of them
# ("improve performance", "clean up the code") gives the analyst nothing to find.
_VAGUE_TEXT = """
improve improves improvement improvements better best performance perf faster fast speed
speedup quick quicker optimize optimise optimization optimisation efficient efficiency clean
cleanup cleaner code codebase quality refactor refactoring tidy polish modernize modernise
everything everywhere general generally misc various stuff things thing overall whole
project repository repo work working robust robustness nicer good great stuff more less
"""
VAGUE_WORDS = frozenset(stem(w) for w in re.findall(r"[a-z]+", _VAGUE_TEXT))
