"""Sets of characters as sorted, disjoint inclusive code point ranges.

Exact set algebra lets the overlap search decide "is there a character both
patterns accept here?" without guessing, whatever classes and negations appear.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_CHAR = 0x10FFFF
SLASH = ord("/")
# Characters a witness path prefers, so reports read naturally.
_PREFERRED = "xabcdefghijklmnopqrstuvwyz0123456789_-"


def _normalise(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


class CharSet:
    """A set of characters; never contains ``/`` once built with :func:`segment_chars`.

    An immutable value (a plain class, not a dataclass: the hook path avoids that import).
    """

    __slots__ = ("ranges",)

    def __init__(self, ranges: tuple[tuple[int, int], ...]) -> None:
        self.ranges = ranges

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharSet) and other.ranges == self.ranges

    def __hash__(self) -> int:
        return hash(self.ranges)

    def __repr__(self) -> str:
        return f"CharSet({self.ranges!r})"

    @classmethod
    def of(cls, ranges: Iterable[tuple[int, int]]) -> CharSet:
        return cls(_normalise(ranges))

    @classmethod
    def single(cls, ch: str) -> CharSet:
        return cls(((ord(ch), ord(ch)),))

    def __contains__(self, ch: str) -> bool:
        code = ord(ch)
        return any(lo <= code <= hi for lo, hi in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def union(self, other: CharSet) -> CharSet:
        return CharSet.of(self.ranges + other.ranges)

    def complement(self) -> CharSet:
        out: list[tuple[int, int]] = []
        start = 0
        for lo, hi in self.ranges:
            if lo > start:
                out.append((start, lo - 1))
            start = hi + 1
        if start <= MAX_CHAR:
            out.append((start, MAX_CHAR))
        return CharSet(tuple(out))

    def intersect(self, other: CharSet) -> CharSet:
        out: list[tuple[int, int]] = []
        i = j = 0
        a, b = self.ranges, other.ranges
        while i < len(a) and j < len(b):
            lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return CharSet(tuple(out))

    def minus(self, other: CharSet) -> CharSet:
        return self.intersect(other.complement())

    def swapcase_closure(self) -> CharSet:
        """The set closed under ASCII case change (git's core.ignorecase folds ASCII only)."""
        extra: list[tuple[int, int]] = []
        for lo, hi in self.ranges:
            for base, other in ((ord("A"), ord("a")), (ord("a"), ord("A"))):
                s, e = max(lo, base), min(hi, base + 25)
                if s <= e:
                    extra.append((s - base + other, e - base + other))
        return CharSet.of(self.ranges + tuple(extra))

    def pick(self) -> str | None:
        """A readable member of the set, or None when it is empty."""
        for ch in _PREFERRED:
            if ch in self:
                return ch
        for lo, hi in self.ranges:
            code = max(lo, 0x21)
            if code <= hi and code != 0x7F:
                return chr(code)
        return chr(self.ranges[0][0]) if self.ranges else None


# Surrogate code points are not characters: no UTF-8 path holds one (the change-set
# check refuses a path git could not decode), so no witness is ever built from one.
SURROGATES = (0xD800, 0xDFFF)
ANY_SEGMENT_CHAR = CharSet(
    ((0, SLASH - 1), (SLASH + 1, SURROGATES[0] - 1), (SURROGATES[1] + 1, MAX_CHAR))
)


def segment_chars(chars: CharSet) -> CharSet:
    """``chars`` without ``/`` (no glob character ever matches a separator)."""
    return chars.intersect(ANY_SEGMENT_CHAR)
