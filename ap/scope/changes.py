"""Checking a change set against an objective's scope (DESIGN.md §4).

Every path of the change counts — additions, deletions, modifications, mode and
type changes, both sides of a rename (rename detection is off upstream, but a
change that carries an old path is checked on both). Forbid always beats touch.
A symlink's target must resolve inside the repository and inside the scope;
gitlinks are refused unless allowed; non-NFC paths are refused.

Two kinds of forbid: ``forbid`` is absolute (other objectives' scopes, ap's own
state), while ``guarded`` paths (the global forbid) may be changed where the
owner allowed it for the plan (``allowed``) *and* the objective's touch covers them.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ap.scope.matcher import ScopeMatcher
from ap.scope.pattern import fold_case

SYMLINK = "120000"
# Paths are decoded with surrogateescape: a lone surrogate stands for a byte that is not UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
GITLINK = "160000"


class Change(NamedTuple):
    """One entry of ``git diff --raw --no-renames``: status, paths, modes, symlink target."""

    status: str
    path: str
    old_path: str | None = None
    old_mode: str = "000000"
    new_mode: str = "100644"
    symlink_target: str | None = None


class ChangeViolation(NamedTuple):
    """A path the change may not touch, why, and the forbid pattern it hit (if any)."""

    path: str
    reason: str
    pattern: str | None = None

    def describe(self) -> str:
        return f"{self.path}: {self.reason}"


def resolve_symlink(link_path: str, target: str) -> str | None:
    """The repository-relative path a symlink at ``link_path`` points to, or None if outside."""
    if not target or target.startswith("/") or "\\" in target:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(link_path), target))
    if joined == "." or joined.startswith("../") or joined == "..":
        return None
    return joined


def _unreadable(path: str) -> str | None:
    """Why a non-ASCII path is refused before any pattern is asked, if it is."""
    if _SURROGATE.search(path):  # git gave bytes that are not UTF-8
        return "path is not valid UTF-8"
    if not unicodedata.is_normalized("NFC", path):
        return "path is not in Unicode NFC form"
    return None


class _Checker:
    def __init__(
        self,
        touch: Sequence[str],
        forbid: Sequence[str],
        guarded: Sequence[str],
        allowed: Sequence[str],
        always_allowed: Iterable[str],
        case_sensitive: bool,
    ) -> None:
        self.touch = ScopeMatcher(touch, case_sensitive=case_sensitive)
        self.forbid = ScopeMatcher(forbid, case_sensitive=case_sensitive, allow_git_dir=True)
        self.guarded = ScopeMatcher(guarded, case_sensitive=case_sensitive, allow_git_dir=True)
        self.owner_allowed = ScopeMatcher(allowed, case_sensitive=case_sensitive)
        self.case_sensitive = case_sensitive
        self.allowed = {fold_case(p, case_sensitive) for p in always_allowed}

    def path(self, path: str) -> ChangeViolation | None:
        unreadable = None if path.isascii() else _unreadable(path)
        if unreadable is not None:
            return ChangeViolation(path, unreadable)
        folded = fold_case(path, self.case_sensitive)
        if folded in self.allowed:
            return None
        hit = self.forbid.covering(path, folded)
        if hit is not None:
            return ChangeViolation(path, f"forbidden by {hit!r}", hit)
        in_touch = self.touch.covers(path, folded)
        hit = self.guarded.covering(path, folded)
        if hit is not None and not (in_touch and self.owner_allowed.covers(path, folded)):
            return ChangeViolation(path, f"forbidden by {hit!r} (global forbid)", hit)
        if not in_touch:
            return ChangeViolation(path, "outside scope_touch")
        return None

    def symlink(self, change: Change) -> ChangeViolation | None:
        target = change.symlink_target
        resolved = resolve_symlink(change.path, target or "")
        if resolved is None:
            return ChangeViolation(
                change.path, f"symlink target {target!r} is outside the repository"
            )
        problem = self.path(resolved)
        if problem is not None:
            return ChangeViolation(
                change.path, f"symlink target {resolved!r}: {problem.reason}", problem.pattern
            )
        return None


def check_changes(
    changes: Iterable[Change],
    *,
    touch: Sequence[str],
    forbid: Sequence[str] = (),
    guarded: Sequence[str] = (),
    allowed: Sequence[str] = (),
    always_allowed: Iterable[str] = (),
    case_sensitive: bool = False,
    allow_gitlinks: bool = False,
) -> list[ChangeViolation]:
    """Every violation of the scope in ``changes`` (empty when the change set is in scope).

    ``always_allowed`` paths (an objective's own report file) are allowed even in
    a forbidden folder; everything else must be covered by ``touch``, by no
    ``forbid`` pattern, and by a ``guarded`` one only where ``allowed`` covers it.
    """
    checker = _Checker(touch, forbid, guarded, allowed, always_allowed, case_sensitive)
    violations: list[ChangeViolation] = []
    for change in changes:
        for path in (change.old_path, change.path):
            if path is not None:
                problem = checker.path(path)
                if problem is not None:
                    violations.append(problem)
        if GITLINK in (change.old_mode, change.new_mode) and not allow_gitlinks:
            violations.append(ChangeViolation(change.path, "gitlinks (submodules) are not allowed"))
        if change.new_mode == SYMLINK:
            problem = checker.symlink(change)
            if problem is not None:
                violations.append(problem)
    return list(dict.fromkeys(violations))
