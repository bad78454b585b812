"""Covering decided without backtracking, for patterns a regular expression would make slow.

Python's regular expressions backtrack: a pattern with several ``**`` (or several
``*`` in one segment) costs time polynomial in the path's length, with the number
of stars as the exponent — minutes for ``**/a/**/a/**/b`` against a path of 5,000
segments. Such patterns are matched here instead, in time proportional to the
path's length times the pattern's: a walk over the path's segments keeping the
set of pattern positions reached (``**`` loops on any non-empty segment), and
within one segment the two-pointer wildcard match (``*`` is the only repetition).
Every other pattern keeps its compiled regular expression, which is fast for them.
"""

from __future__ import annotations

from ap.scope.pattern import GLOBSTAR, Pattern, Segment, Star


def needs_automaton(pattern: Pattern) -> bool:
    """Whether backtracking could blow up: more than one ``**``, or a segment with two ``*``."""
    globstars = 0
    for element in pattern.elements:
        if element is GLOBSTAR:
            globstars += 1
        elif sum(isinstance(token, Star) for token in element) > 1:  # type: ignore[union-attr]
            return True
    return globstars > 1


def segment_matches(segment: Segment, name: str, case_sensitive: bool) -> bool:
    """Whether one path segment ``name`` matches ``segment`` (no ``/`` in either)."""
    t = s = 0
    star_t, star_s = -1, 0
    while s < len(name):
        token = segment[t] if t < len(segment) else None
        if isinstance(token, Star):
            star_t, star_s = t, s
            t += 1
        elif token is not None and name[s] in token.chars(case_sensitive):
            t += 1
            s += 1
        elif star_t >= 0:  # let the last `*` take one more character, and retry after it
            star_s += 1
            t, s = star_t + 1, star_s
        else:
            return False
    while t < len(segment) and isinstance(segment[t], Star):
        t += 1
    return t == len(segment)


def automaton_covers(pattern: Pattern, path: str, case_sensitive: bool) -> bool:
    """Whether ``pattern`` matches ``path`` or one of its ancestors (what its regex decides)."""
    elements = pattern.elements
    end = len(elements)

    def closure(states: set[int]) -> set[int]:
        # `**` matches zero directories too: reaching it reaches what follows it.
        out = set(states)
        for start in sorted(states):
            i = start
            while i < end and elements[i] is GLOBSTAR:
                i += 1
                out.add(i)
        return out

    states = closure({0})
    for name in path.split("/"):
        if end in states:
            return True  # an ancestor matched: everything below it is covered
        reached: set[int] = set()
        for i in states:
            element = elements[i]
            if element is GLOBSTAR:
                if name:
                    reached.add(i)
            elif segment_matches(element, name, case_sensitive):  # type: ignore[arg-type]
                reached.add(i + 1)
        if not reached:
            return False
        states = closure(reached)
    return end in states
