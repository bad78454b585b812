"""What can go wrong with git, one class each; all are :class:`~ap.core.errors.GitError`
(exit 2: the user can fix it), so ``except GitError`` still catches every one."""

from __future__ import annotations

from ap.core.errors import GitError


class GitNotRunnable(GitError):
    """git could not be started: it is not installed, or the folder to run in is gone."""


class NotARepository(GitError):
    """The folder is not inside a git work tree."""


class GitCommandFailed(GitError):
    """A git command exited with an error; its message says why."""


class IdentityMissing(GitCommandFailed):
    """git has no user.name / user.email to write a commit with."""


class WorktreeBusy(GitCommandFailed):
    """A worktree command kept tripping on another one changing the worktree records."""


class GitTooOld(GitCommandFailed):
    """The installed git lacks a command ap needs (``merge-tree --write-tree``: 2.38)."""


class ObjectMissing(GitError):
    """An object the repository should hold is missing or damaged (``git fsck`` says more)."""


class UnstorablePath(GitError):
    """A path git cannot store in a tree (an empty, ``.``, ``..`` or ``.git`` part)."""
