"""Which pattern pairs can overlap at all: an index on literal prefixes.

Every path a pattern covers starts with its literal prefix (the text before the
first glob character), so two patterns can only overlap when one prefix extends
the other. Sorting the prefixes turns "every pattern that extends mine" into a
contiguous range.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ap.scope.pattern import Pattern, parse_pattern


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
    for n, (prefix, _, key, pattern) in enumerate(entries):
        # Sorted, the prefixes that extend this one follow it in one run: a prefix
        # past it that does not extend it is greater than every one that does. (No
        # sentinel "largest character" bound: U+10FFFF is a character like any other.)
        m = n + 1
        while m < len(entries) and entries[m][0].startswith(prefix):
            yield (key, pattern), (entries[m][2], entries[m][3])
            m += 1
