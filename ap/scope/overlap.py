"""Exact overlap of scope patterns, with a witness path both may edit.

Two patterns overlap when some path — existing or not — is covered by both. A
pattern covers a path when it matches the path or an ancestor directory, so after
a pattern has matched a prefix of the path, any continuation is covered. The
search is a breadth-first walk of the product of the two patterns' automata: over
path segments (``**`` is a loop on any segment), and, to decide whether a segment
exists that both segment patterns accept, over characters (``*`` is a loop). Both
levels are finite, so the answer is exact, and the path of the walk is the witness.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterator, Mapping, Sequence
from functools import lru_cache

from ap.scope.charset import ANY_SEGMENT_CHAR, CharSet
from ap.scope.pattern import (
    GLOBSTAR,
    STAR,
    Chars,
    Pattern,
    Segment,
    Star,
    parse_pattern,
)

# No segment is empty, `.` or `..`; no path starts with a `.git` directory.
_NOT_A_SEGMENT = frozenset({"", ".", ".."})
_NOT_A_ROOT_SEGMENT = _NOT_A_SEGMENT | {".git"}
_ANY_SEGMENT: Segment = (STAR,)


def _bfs(start: Hashable, expand: object, accept: object) -> list[object] | None:
    """Shortest list of labels from ``start`` to an accepting state, or None."""
    parent: dict[Hashable, tuple[Hashable, object] | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if accept(state):  # type: ignore[operator]
            labels: list[object] = []
            step = parent[state]
            while step is not None:
                labels.append(step[1])
                step = parent[step[0]]
            return labels[::-1]
        for label, nxt in expand(state):  # type: ignore[operator]
            if nxt not in parent:
                parent[nxt] = (state, label)
                queue.append(nxt)
    return None


# -- one segment ---------------------------------------------------------------


def _token_move(seg: Segment, i: int, case_sensitive: bool) -> tuple[CharSet, int] | None:
    """The characters position ``i`` consumes, and the position after."""
    if i >= len(seg):
        return None
    token = seg[i]
    if isinstance(token, Star):
        return ANY_SEGMENT_CHAR, i
    assert isinstance(token, Chars)
    return token.chars(case_sensitive), i + 1


def _char_choices(
    chars: CharSet, track: str | None, banned: frozenset[str]
) -> Iterator[tuple[str, str | None]]:
    """Characters worth trying: one that escapes every banned word, and ones that continue one."""
    if track is None:
        ch = chars.pick()
        if ch is not None:
            yield ch, None
        return
    continuing: list[tuple[str, str]] = []
    escape = chars
    for word in sorted(banned):
        if len(word) > len(track) and word.startswith(track):
            nxt = word[len(track)]
            for variant in dict.fromkeys((nxt, nxt.upper())):
                if variant in chars:
                    continuing.append((variant, track + nxt))
                escape = escape.minus(CharSet.single(variant))
    ch = escape.pick()
    if ch is not None:
        yield ch, None
    yield from continuing


@lru_cache(maxsize=65536)
def segment_witness(
    a: Segment, b: Segment, case_sensitive: bool, banned: frozenset[str]
) -> str | None:
    """A segment both ``a`` and ``b`` match that is not a ``banned`` word (any case), or None."""

    def expand(state: tuple[int, int, str | None]) -> Iterator[tuple[str | None, Hashable]]:
        i, j, track = state
        if i < len(a) and isinstance(a[i], Star):
            yield None, (i + 1, j, track)
        if j < len(b) and isinstance(b[j], Star):
            yield None, (i, j + 1, track)
        move_a, move_b = _token_move(a, i, case_sensitive), _token_move(b, j, case_sensitive)
        if move_a is None or move_b is None:
            return
        both = move_a[0].intersect(move_b[0])
        for ch, new_track in _char_choices(both, track, banned):
            yield ch, (move_a[1], move_b[1], new_track)

    def accept(state: tuple[int, int, str | None]) -> bool:
        i, j, track = state
        return i == len(a) and j == len(b) and (track is None or track not in banned)

    labels = _bfs((0, 0, ""), expand, accept)
    if labels is None:
        return None
    return "".join(str(ch) for ch in labels if ch is not None)


# -- whole patterns --------------------------------------------------------------


def _segment_move(p: Pattern, i: int) -> tuple[Segment, int]:
    """What position ``i`` of ``p`` consumes next (after the end: anything, covered)."""
    if i >= len(p.elements):
        return _ANY_SEGMENT, i
    element = p.elements[i]
    if element is GLOBSTAR:
        return _ANY_SEGMENT, i
    assert isinstance(element, tuple)
    return element, i + 1


def _product_witness(
    p: Pattern, q: Pattern, case_sensitive: bool, *, p_exact: bool = False
) -> list[str] | None:
    """Segments of a path both cover (with ``p_exact``: that ``p`` matches itself)."""

    def expand(state: tuple[int, int, bool]) -> Iterator[tuple[str | None, Hashable]]:
        i, j, at_root = state
        if p_exact and i >= len(p.elements):
            return
        if i < len(p.elements) and p.elements[i] is GLOBSTAR:
            yield None, (i + 1, j, at_root)
        if j < len(q.elements) and q.elements[j] is GLOBSTAR:
            yield None, (i, j + 1, at_root)
        seg_a, next_i = _segment_move(p, i)
        seg_b, next_j = _segment_move(q, j)
        banned = _NOT_A_ROOT_SEGMENT if at_root else _NOT_A_SEGMENT
        segment = segment_witness(seg_a, seg_b, case_sensitive, banned)
        if segment is not None:
            yield segment, (next_i, next_j, False)

    def accept(state: tuple[int, int, bool]) -> bool:
        return state[0] == len(p.elements) and state[1] == len(q.elements)

    labels = _bfs((0, 0, True), expand, accept)
    return None if labels is None else [str(s) for s in labels if s is not None]


def prefixes_compatible(a: Pattern, b: Pattern, case_sensitive: bool) -> bool:
    """False when the literal prefixes prove the patterns disjoint (cheap pruning)."""
    la, lb = a.folded_prefix(case_sensitive), b.folded_prefix(case_sensitive)
    return la.startswith(lb) or lb.startswith(la)


@lru_cache(maxsize=262144)
def _overlap_texts(a: str, b: str, case_sensitive: bool) -> str | None:
    p, q = parse_pattern(a, allow_git_dir=True), parse_pattern(b, allow_git_dir=True)
    if not prefixes_compatible(p, q, case_sensitive):
        return None
    segments = _product_witness(p, q, case_sensitive)
    if segments is None:
        return None
    return "/".join(segments)


@lru_cache(maxsize=65536)
def _reaches_texts(a: str, b: str, case_sensitive: bool) -> str | None:
    p, q = parse_pattern(a, allow_git_dir=True), parse_pattern(b, allow_git_dir=True)
    if not prefixes_compatible(p, q, case_sensitive):
        return None
    segments = _product_witness(p, q, case_sensitive, p_exact=True)
    return None if segments is None else "/".join(segments)


def reaches(a: str | Pattern, b: str | Pattern, *, case_sensitive: bool = False) -> str | None:
    """A path that ``a`` matches itself (not only through a directory) and ``b`` covers.

    ``src/`` reaches into ``src/secret.txt`` but not into ``**/node_modules/``: a
    directory scope merely contains a forbidden folder somewhere below, which the
    change-set check carves out, whereas a scope aimed at a forbidden path is a
    request to edit it.
    """
    ta = a.text if isinstance(a, Pattern) else a
    tb = b.text if isinstance(b, Pattern) else b
    return _reaches_texts(ta, tb, case_sensitive)


def overlap(a: str | Pattern, b: str | Pattern, *, case_sensitive: bool = False) -> str | None:
    """A path covered by both patterns, or None when no such path can exist."""
    ta = a.text if isinstance(a, Pattern) else a
    tb = b.text if isinstance(b, Pattern) else b
    return _overlap_texts(ta, tb, case_sensitive)


def scopes_overlap(
    a: Sequence[str | Pattern], b: Sequence[str | Pattern], *, case_sensitive: bool = False
) -> tuple[str, str, str] | None:
    """The first pair of patterns (one from each scope) that overlap, with a witness."""
    for pa in a:
        for pb in b:
            witness = overlap(pa, pb, case_sensitive=case_sensitive)
            if witness is not None:
                return str(pa), str(pb), witness
    return None


def find_conflicts(
    scopes: Mapping[str, Sequence[str | Pattern]], *, case_sensitive: bool = False
) -> list[tuple[str, str, str]]:
    """Every pair of scopes that overlap, as ``(id_a, id_b, witness)`` in mapping order.

    Patterns are sorted by literal prefix, so each pattern is compared only with
    patterns whose prefix extends its own (or equals it); pairs whose prefixes
    diverge are disjoint and never built into automata.
    """
    from ap.scope.index import candidate_pairs

    order = {key: n for n, key in enumerate(scopes)}
    found: dict[tuple[str, str], str] = {}
    for (ka, pa), (kb, pb) in candidate_pairs(scopes, case_sensitive):
        if ka == kb:
            continue
        pair = (ka, kb) if order[ka] < order[kb] else (kb, ka)
        if pair in found:
            continue
        witness = overlap(pa, pb, case_sensitive=case_sensitive)
        if witness is not None:
            found[pair] = witness
    return [
        (a, b, w)
        for (a, b), w in sorted(found.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]]))
    ]
