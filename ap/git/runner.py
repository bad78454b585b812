"""The one way ap starts git, and the base every part of :class:`~ap.git.Git` stands on.

Plain ``git`` processes keep the hook path fast and give access to plumbing
(``merge-tree --write-tree``, ``update-ref`` compare-and-swap) that porcelain
wrappers don't model. Failures become :class:`~ap.errors.GitError` with a hint.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ap.errors import GitError

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

# Hints of git failures: git's own message says why; these say where to look next.
GIT_FAILED_HINT = "git's message says why; `git status` shows the repository's state"
FSCK_HINT = "`git fsck` checks the repository for missing or damaged objects"


def _path(text: str | os.PathLike[str]) -> Path:
    """A Path; pathlib is loaded only when one is needed (not on the hook path)."""
    from pathlib import Path

    return Path(text)


# A stable, non-interactive environment for every git call we make.
_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(_BASE_ENV)
    if extra:
        env.update(extra)
    return env


# What git says when it has no name or email for a commit (auto-detection failed or is off).
_NO_IDENTITY = (
    "Please tell me who you are",
    "identity unknown",
    "unable to auto-detect email address",
    "empty ident name",
    "auto-detection is disabled",
)


def _failed(args: Sequence[str], detail: str) -> GitError:
    """A failed git command as an error for people (a missing identity said plainly)."""
    if any(sign in detail for sign in _NO_IDENTITY):
        return GitError(
            "git needs your name and email to make commits, and none is configured "
            "(user.name and user.email)",
            hint='git config --global user.name "Your Name" && '
            'git config --global user.email "you@example.com"',
        )
    return GitError(f"git {' '.join(args[:3])} failed: {detail}", hint=GIT_FAILED_HINT)


def _cannot_run(exc: OSError, cwd: str | os.PathLike[str]) -> GitError:
    """Why git could not even start: no such folder to run in, or no git."""
    if not os.path.isdir(cwd):
        return GitError(
            f"{os.fspath(cwd)} is not a directory (it may have been removed)",
            hint="run ap again from a folder of the repository, or with -C PATH",
        )
    return GitError(f"git could not be run: {exc.strerror}", hint="install git and try again")


class _Spawned:
    """A git process started with ``os.posix_spawnp``, its output read through pipes.

    The hook runs git twice and must start fast: this spares it loading the
    ``subprocess`` module (and what that loads). Elsewhere :meth:`Git.run_bytes`.
    """

    def __init__(self, args: Sequence[str], cwd: str, env: Mapping[str, str]) -> None:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2),
        ]
        try:
            self.pid = os.posix_spawnp("git", ["git", "-C", cwd, *args], env, file_actions=actions)
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        self._fds = {out_r: bytearray(), err_r: bytearray()}
        self._out, self._err = out_r, err_r

    def finish(self) -> tuple[int, bytes, bytes]:
        """Wait for the process: its exit code, standard output and standard error."""
        import select

        poller = select.poll()
        for fd in self._fds:
            poller.register(fd, select.POLLIN)
        open_fds = set(self._fds)
        try:
            while open_fds:
                for fd, _ in poller.poll():
                    chunk = os.read(fd, 1 << 16)
                    if chunk:
                        self._fds[fd] += chunk
                    else:
                        poller.unregister(fd)
                        open_fds.discard(fd)
        finally:
            for fd in self._fds:
                os.close(fd)
            _, status = os.waitpid(self.pid, 0)
        return (
            os.waitstatus_to_exitcode(status),
            bytes(self._fds[self._out]),
            bytes(self._fds[self._err]),
        )


class GitBase:
    """A work tree and the way to run git in it; the parts of :class:`~ap.git.Git` add
    the named operations."""

    def __init__(self, root: Path | str, env: Mapping[str, str] | None = None) -> None:
        self._root = os.fspath(root)
        self.env = dict(env or {})

    @property
    def root(self) -> Path:
        """The top of the work tree."""
        return _path(self._root)

    def run_bytes(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git ARGS`` and return the completed process (raises GitError on failure)."""
        import subprocess

        try:
            proc = subprocess.run(
                ["git", *args],
                cwd=cwd or self._root,
                input=input,
                capture_output=True,
                env=_env({**self.env, **(env or {})}),
                check=False,
            )
        except OSError as exc:
            raise _cannot_run(exc, cwd or self._root) from None
        if check and proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip()
            raise _failed(args, err or f"exit {proc.returncode}")
        return proc

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        cwd: Path | None = None,
    ) -> str:
        """Run ``git ARGS`` and return stdout as text."""
        data = input.encode() if input is not None else None
        proc = self.run_bytes(*args, input=data, env=env, check=check, cwd=cwd)
        return proc.stdout.decode(errors="surrogateescape")
