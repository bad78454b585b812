"""Does a scope cover a path? One compiled regular expression per scope."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ap.scope.pattern import Pattern, parse_pattern, parse_scope, pattern_regex


@lru_cache(maxsize=65536)
def _compiled(pattern: Pattern, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(pattern_regex(pattern, case_sensitive), re.DOTALL)


def covers(pattern: str | Pattern, path: str, *, case_sensitive: bool = False) -> bool:
    """Whether ``pattern`` matches ``path`` or one of its ancestor directories."""
    parsed = pattern if isinstance(pattern, Pattern) else parse_pattern(pattern, allow_git_dir=True)
    return _compiled(parsed, case_sensitive).fullmatch(path) is not None


class ScopeMatcher:
    """A whole scope compiled once, for checking many paths fast."""

    def __init__(
        self,
        patterns: Iterable[str | Pattern],
        *,
        case_sensitive: bool = False,
        allow_git_dir: bool = True,
    ) -> None:
        self.patterns = parse_scope(patterns, allow_git_dir=allow_git_dir)
        self.case_sensitive = case_sensitive
        alternatives = [f"(?:{pattern_regex(p, case_sensitive)})" for p in self.patterns]
        self._any = re.compile("|".join(alternatives) or "(?!)", re.DOTALL)

    def covers(self, path: str) -> bool:
        """Whether any pattern of the scope covers ``path``."""
        return self._any.fullmatch(path) is not None

    def covering(self, path: str) -> str | None:
        """The first pattern of the scope that covers ``path``, or None."""
        if not self.covers(path):
            return None
        return next(
            p.text for p in self.patterns if covers(p, path, case_sensitive=self.case_sensitive)
        )
