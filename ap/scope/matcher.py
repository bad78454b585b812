"""Does a scope cover a path? One compiled regular expression per scope.

Patterns whose regular expression could backtrack for minutes on a hostile path
(several ``**``, or several ``*`` in one segment) are matched by
:mod:`ap.scope.automaton` instead, in time linear in the path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ap.scope.automaton import automaton_covers, needs_automaton
from ap.scope.pattern import Pattern, fold_case, parse_pattern, parse_scope, pattern_regex


@lru_cache(maxsize=65536)
def _compiled(pattern: Pattern, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(pattern_regex(pattern, case_sensitive), re.DOTALL)


def covers(pattern: str | Pattern, path: str, *, case_sensitive: bool = False) -> bool:
    """Whether ``pattern`` matches ``path`` or one of its ancestor directories."""
    parsed = pattern if isinstance(pattern, Pattern) else parse_pattern(pattern, allow_git_dir=True)
    if needs_automaton(parsed):
        return automaton_covers(parsed, path, case_sensitive)
    return _compiled(parsed, case_sensitive).fullmatch(path) is not None


_MEMO_LIMIT = 100_000  # directories remembered per matcher


class ScopeMatcher:
    """A whole scope compiled once, for checking many paths fast.

    Literal patterns (no glob character, the common case) are looked up in sets by
    the path's ancestors; only glob patterns are compiled into one regular expression.
    """

    def __init__(
        self,
        patterns: Iterable[str | Pattern],
        *,
        case_sensitive: bool = False,
        allow_git_dir: bool = True,
    ) -> None:
        self.patterns = parse_scope(patterns, allow_git_dir=allow_git_dir)
        self.case_sensitive = case_sensitive
        # folded literal -> pattern text: `x` covers x and below, `x/` only below x.
        self._self_or_below: dict[str, str] = {}
        self._below: dict[str, str] = {}
        globs: list[Pattern] = []
        for p in self.patterns:
            if p.literal_prefix != p.text:
                globs.append(p)
            elif p.dir_only:
                self._below.setdefault(fold_case(p.text[:-1], case_sensitive), p.text)
            else:
                self._self_or_below.setdefault(fold_case(p.text, case_sensitive), p.text)
        self._globs = globs
        # Slow-to-backtrack globs are asked one by one, the rest through one regex.
        self._complex = [p for p in globs if needs_automaton(p)]
        self._dirs: dict[str, str | None] = {}
        alternatives = [
            f"(?:{pattern_regex(p, case_sensitive)})" for p in globs if not needs_automaton(p)
        ]
        self._any = re.compile("|".join(alternatives), re.DOTALL) if alternatives else None

    def _literal(self, path: str, folded: str | None = None) -> str | None:
        if not (self._self_or_below or self._below):
            return None
        if folded is None:
            folded = fold_case(path, self.case_sensitive)
        hit = self._self_or_below.get(folded)
        if hit is not None:
            return hit
        cut = folded.rfind("/")
        return self._under(folded[:cut]) if cut > 0 else None

    def _under(self, directory: str) -> str | None:
        """The literal pattern covering all below ``directory`` (memoised: siblings share it).

        A loop up the ancestors, not a recursion: a path may have thousands of segments.
        """
        try:
            return self._dirs[directory]
        except KeyError:
            pass
        unknown = []  # ancestors looked at, nearest first, to remember
        while True:
            unknown.append(directory)
            hit = self._self_or_below.get(directory) or self._below.get(directory)
            cut = directory.rfind("/")
            if hit is not None or cut <= 0:
                break
            directory = directory[:cut]
            if directory in self._dirs:
                hit = self._dirs[directory]
                break
        for seen in unknown[: max(0, _MEMO_LIMIT - len(self._dirs))]:
            self._dirs[seen] = hit
        return hit

    def covers(self, path: str, folded: str | None = None) -> bool:
        """Whether any pattern of the scope covers ``path`` (``folded``: it, case-folded)."""
        return self._literal(path, folded) is not None or self._glob_covers(path)

    def _glob_covers(self, path: str) -> bool:
        if self._any is not None and self._any.fullmatch(path) is not None:
            return True
        return bool(self._complex) and any(
            automaton_covers(p, path, self.case_sensitive) for p in self._complex
        )

    def covering(self, path: str, folded: str | None = None) -> str | None:
        """A pattern of the scope that covers ``path`` (literal ones first), or None."""
        hit = self._literal(path, folded)
        if hit is not None:
            return hit
        if not self._glob_covers(path):
            return None
        return next(
            p.text for p in self._globs if covers(p, path, case_sensitive=self.case_sensitive)
        )
