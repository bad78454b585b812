"""The only package that runs git. Everything else asks a :class:`Git` object.

:mod:`~ap.git.runner` starts every git process (the hook's too);
:mod:`~ap.git.errors` says what went wrong; :mod:`~ap.git.objects` (with
:mod:`~ap.git.trees`), :mod:`~ap.git.refs`, :mod:`~ap.git.diff`,
:mod:`~ap.git.history` and :mod:`~ap.git.worktrees` hold the named operations
that :class:`Git` (:mod:`~ap.git.repo`) brings together. Nothing here imports
more than the hook needs: ``from ap.git import Git`` stays cheap.
"""

from __future__ import annotations

from ap.core.errors import GitError
from ap.git.diff import DiffEntry, MergeResult
from ap.git.errors import (
    GitCommandFailed,
    GitNotRunnable,
    GitTooOld,
    IdentityMissing,
    NotARepository,
    ObjectMissing,
    UnstorablePath,
    WorktreeBusy,
)
from ap.git.history import parse_trailers
from ap.git.objects import Stored
from ap.git.refs import ZERO_OID
from ap.git.repo import Git, Location, find_root, locate
from ap.git.runner import FSCK_HINT, GIT_FAILED_HINT, Completed, _Spawned
from ap.git.worktrees import Worktree

__all__ = [
    "FSCK_HINT",
    "GIT_FAILED_HINT",
    "ZERO_OID",
    "Completed",
    "DiffEntry",
    "Git",
    "GitCommandFailed",
    "GitError",
    "GitNotRunnable",
    "GitTooOld",
    "IdentityMissing",
    "Location",
    "MergeResult",
    "NotARepository",
    "ObjectMissing",
    "Stored",
    "UnstorablePath",
    "Worktree",
    "WorktreeBusy",
    "_Spawned",
    "find_root",
    "locate",
    "parse_trailers",
]
