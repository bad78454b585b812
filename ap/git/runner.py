"""The one way ap starts git, and the base every part of :class:`~ap.git.Git` stands on.

Every git process ap starts, the hook's included, is started here by
``os.posix_spawnp`` with pipes read through ``select.poll``: this spares the
hook loading ``subprocess`` (and what that loads), and gives one place for the
environment, the errors and the clean-up when ap is interrupted. Plain ``git``
processes give access to plumbing (``merge-tree --write-tree``, ``update-ref``
compare-and-swap) that porcelain wrappers don't model. Failures become
:class:`~ap.git.errors.GitCommandFailed` and its kin, each with a hint.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple

from ap.git.errors import GitCommandFailed, GitNotRunnable, IdentityMissing

if TYPE_CHECKING:
    from pathlib import Path

# Hints of git failures: git's own message says why; these say where to look next.
GIT_FAILED_HINT = "git's message says why; `git status` shows the repository's state"
FSCK_HINT = "`git fsck` checks the repository for missing or damaged objects"
_SIGPIPE = 13  # (its number on every POSIX system; `signal` is not loaded for one constant)
_CHUNK = 1 << 16


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


def _failed(args: Sequence[str], detail: str) -> GitCommandFailed:
    """A failed git command as an error for people (a missing identity said plainly)."""
    if any(sign in detail for sign in _NO_IDENTITY):
        return IdentityMissing(
            "git needs your name and email to make commits, and none is configured "
            "(user.name and user.email)",
            hint='git config --global user.name "Your Name" && '
            'git config --global user.email "you@example.com"',
        )
    return GitCommandFailed(f"git {' '.join(args[:3])} failed: {detail}", hint=GIT_FAILED_HINT)


def _cannot_run(exc: OSError | None, cwd: str | os.PathLike[str]) -> GitNotRunnable:
    """Why git could not even start: no such folder to run in, or no git."""
    if not os.path.isdir(cwd):
        return GitNotRunnable(
            f"{os.fspath(cwd)} is not a directory (it may have been removed)",
            hint="run ap again from a folder of the repository, or with -C PATH",
        )
    reason = exc.strerror if exc is not None else "unknown reason"
    return GitNotRunnable(f"git could not be run: {reason}", hint="install git and try again")


class Completed(NamedTuple):
    """A finished git process: its exit code, standard output and standard error."""

    returncode: int
    stdout: bytes
    stderr: bytes


class _Spawned:
    """A git process started with ``os.posix_spawnp`` (``git -C CWD ARGS``).

    Standard output is a pipe; standard error a pipe too, or nothing (``stderr=False``);
    standard input a pipe with ``stdin=True``, else nothing. Raises OSError when git
    cannot be started.
    """

    def __init__(
        self,
        args: Sequence[str],
        cwd: str,
        env: Mapping[str, str],
        *,
        stdin: bool = False,
        stderr: bool = True,
    ) -> None:
        ours: list[int] = []  # the parent's ends
        theirs: list[int] = []  # the child's ends, closed here once it has them
        actions: list[tuple[int, ...] | tuple[int, int, str, int, int]] = []
        try:
            self.stdin = self._pipe(0, stdin, ours, theirs, actions)
            out = self._pipe(1, True, ours, theirs, actions)
            assert out is not None
            self.stdout: int = out
            self.stderr = self._pipe(2, stderr, ours, theirs, actions)
            self.pid = os.posix_spawnp(
                "git",
                ["git", "-C", cwd, *args],
                env,
                file_actions=actions,
                setsigdef=(_SIGPIPE,),  # git as from a shell: Python ignores SIGPIPE
            )
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)

    @staticmethod
    def _pipe(
        target: int,
        wanted: bool,
        ours: list[int],
        theirs: list[int],
        actions: list[tuple[int, ...] | tuple[int, int, str, int, int]],
    ) -> int | None:
        """The parent's end of a pipe to the child's ``target`` fd, or None (/dev/null)."""
        if not wanted:
            flags = os.O_RDONLY if target == 0 else os.O_WRONLY
            actions.append((os.POSIX_SPAWN_OPEN, target, os.devnull, flags, 0))
            return None
        read, write = os.pipe()
        parent, child = (write, read) if target == 0 else (read, write)
        ours.append(parent)
        theirs.append(child)
        actions.append((os.POSIX_SPAWN_DUP2, child, target))
        return parent

    def finish(self, input: bytes | None = None) -> tuple[int, bytes, bytes]:
        """Feed ``input``, wait for the process: its exit code, output and error output.

        Input and both outputs go through one poll loop, so neither side waits on a
        full pipe. Interrupted (Ctrl-C), the process is killed and waited for.
        """
        try:
            out, err = _Pump(self, input or b"").run()
        except BaseException:
            self._kill()
            raise
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status), out, err

    def _kill(self) -> None:
        import contextlib

        with contextlib.suppress(OSError):
            os.kill(self.pid, 9)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def streams(self) -> tuple[IO[bytes], IO[bytes]]:
        """Standard input and output as files, for a conversation (``cat-file --batch``)."""
        assert self.stdin is not None
        return os.fdopen(self.stdin, "wb"), os.fdopen(self.stdout, "rb")

    def close(self, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        """End a conversation: close its input, wait for git, close its output."""
        import contextlib

        with contextlib.suppress(OSError):
            stdin.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        stdout.close()


class _Pump:
    """The poll loop of :meth:`_Spawned.finish`: writes the input, reads both outputs."""

    def __init__(self, child: _Spawned, data: bytes) -> None:
        self.child = child
        self.data = memoryview(data)
        self.read: dict[int, bytearray] = {child.stdout: bytearray()}
        if child.stderr is not None:
            self.read[child.stderr] = bytearray()

    def run(self) -> tuple[bytes, bytes]:
        import select

        poller = select.poll()
        open_fds = set(self.read)
        for fd in self.read:
            poller.register(fd, select.POLLIN)
        stdin = self.child.stdin
        if stdin is not None:
            if self.data:
                os.set_blocking(stdin, False)  # a partial write, never a wait on a full pipe
                poller.register(stdin, select.POLLOUT)
                open_fds.add(stdin)
            else:
                os.close(stdin)
        try:
            while open_fds:
                for fd, _ in poller.poll():
                    if self._serve(fd):
                        poller.unregister(fd)
                        open_fds.discard(fd)
        finally:
            for fd in open_fds:
                os.close(fd)
        err = self.read.get(self.child.stderr) if self.child.stderr is not None else None
        return bytes(self.read[self.child.stdout]), bytes(err or b"")

    def _serve(self, fd: int) -> bool:
        """Move data on ``fd``; True when it is done with (and closed)."""
        if fd == self.child.stdin:
            try:
                self.data = self.data[os.write(fd, self.data[:_CHUNK]) :]
            except BlockingIOError:
                return False
            except BrokenPipeError:  # git stopped reading: its exit code says why
                self.data = self.data[:0]
            if self.data:
                return False
        else:
            chunk = os.read(fd, _CHUNK)
            if chunk:
                self.read[fd] += chunk
                return False
        os.close(fd)
        return True


def run_git(
    args: Sequence[str], cwd: str, env: Mapping[str, str], input: bytes | None = None
) -> Completed:
    """Run ``git ARGS`` in ``cwd`` to the end (GitNotRunnable when it cannot start)."""
    try:
        child = _Spawned(args, cwd, env, stdin=input is not None)
    except OSError as exc:
        raise _cannot_run(exc, cwd) from None
    code, out, err = child.finish(input)
    if code == 128 and not os.path.isdir(cwd):  # (`git -C` found no such folder)
        raise _cannot_run(None, cwd)
    return Completed(code, out, err)


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
    ) -> Completed:
        """Run ``git ARGS`` and return the completed process (raises GitError on failure).

        For the named operations of this package; code outside it calls those.
        """
        where = os.fspath(cwd) if cwd is not None else self._root
        proc = run_git(args, where, _env({**self.env, **(env or {})}), input)
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
