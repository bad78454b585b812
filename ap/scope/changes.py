"""Checking a change set against an objective's scope (docs/DESIGN.md §4).

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

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ap.scope.links import Links, resolve_link
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


def resolve_symlink(link_path: str, target: str, links: Links | None = None) -> str | None:
    """The repository path a symlink at ``link_path`` leads to (through ``links``, the
    tree's other symlinks), or None when it leads outside the repository or loops."""
    return resolve_link(link_path, target, links or _no_links).path


def _no_links(path: str) -> None:
    return None


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
        self.folders: set[str] = set()  # folders known to be no symlink

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

    def symlink(self, change: Change, links: Links) -> ChangeViolation | None:
        """Where the symlink leads, followed through the tree's symlinks, must be in scope."""
        found = resolve_link(change.path, change.symlink_target or "", links)
        if found.path is None:
            return ChangeViolation(change.path, str(found.problem))
        problem = self.path(found.path)
        if problem is None:
            return None
        via = f" (through the symlink {found.through[0]!r})" if found.through else ""
        reason = f"symlink target {found.path!r}{via}: {problem.reason}"
        return ChangeViolation(change.path, reason, problem.pattern)

    def beyond_symlink(self, path: str, links: Links) -> ChangeViolation | None:
        """A path below a symlink of the tree (only a hand-made tree can hold one)."""
        cut = path.find("/")
        while cut > 0:
            folder = path[:cut]
            if folder not in self.folders:  # (siblings share their folders: ask once)
                if links(folder) is not None:
                    return ChangeViolation(path, f"lies beyond the symlink {folder!r}")
                self.folders.add(folder)
            cut = path.find("/", cut + 1)
        return None


def _added_links(changes: Sequence[Change], case_sensitive: bool) -> Links:
    """The symlinks ``changes`` add, as a lookup (by case-folded path unless case-sensitive)."""
    added = {
        fold_case(c.path, case_sensitive): c.symlink_target or ""
        for c in changes
        if c.new_mode == SYMLINK
    }

    def links(path: str) -> str | None:
        return added.get(fold_case(path, case_sensitive))

    return links


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
    links: Links | None = None,
    beyond_links: bool = False,
) -> list[ChangeViolation]:
    """Every violation of the scope in ``changes`` (empty when the change set is in scope).

    ``always_allowed`` paths (an objective's own report file) are allowed even in
    a forbidden folder; everything else must be covered by ``touch``, by no
    ``forbid`` pattern, and by a ``guarded`` one only where ``allowed`` covers it.
    ``links`` gives the symlinks of the tree after the change (default: those the
    change adds); a symlink is followed through them. With ``beyond_links``, a path
    below one of them is refused too (git never stores one; a hand-made tree can).
    """
    checker = _Checker(touch, forbid, guarded, allowed, always_allowed, case_sensitive)
    changes = list(changes)
    if links is None:
        links = _added_links(changes, case_sensitive)
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
            problem = checker.symlink(change, links)
            if problem is not None:
                violations.append(problem)
        if beyond_links and change.new_mode != "000000":
            problem = checker.beyond_symlink(change.path, links)
            if problem is not None:
                violations.append(problem)
    return list(dict.fromkeys(violations))
