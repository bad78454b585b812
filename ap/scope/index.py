"""Which pattern pairs can overlap at all: an index on literal prefixes.

Every path a pattern covers starts with its literal prefix (the text before the
first glob character), so two patterns can only overlap when one prefix extends
the other. Sorting the prefixes turns "every pattern that extends mine" into a
contiguous range.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence

from ap.scope.pattern import Pattern, parse_pattern

_TOP = "\U0010ffff"


def _parsed(p: str | Pattern) -> Pattern:
    return p if isinstance(p, Pattern) else parse_pattern(p, allow_git_dir=True)


def candidate_pairs(
    scopes: Mapping[str, Sequence[str | Pattern]], case_sensitive: bool
) -> Iterator[tuple[tuple[str, Pattern], tuple[str, Pattern]]]:
    """Each pair of (scope key, pattern) whose literal prefixes are compatible, once."""
    entries: list[tuple[str, int, str, Pattern]] = []
    for key, patterns in scopes.items():
        for pattern in patterns:
            parsed = _parsed(pattern)
            prefix = parsed.folded_prefix(case_sensitive)
            entries.append((prefix, len(entries), key, parsed))
    entries.sort()
    prefixes = [e[0] for e in entries]
    for n, (prefix, _, key, pattern) in enumerate(entries):
        end = bisect.bisect_left(prefixes, prefix + _TOP, lo=n + 1)
        for m in range(n + 1, end):
            other = entries[m]
            if other[0].startswith(prefix):
                yield (key, pattern), (other[2], other[3])
