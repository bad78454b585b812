"""One ``ap run`` (or ``ap retry``) of a plan at a time in a repository.

Two runs of one plan would hand the same objectives to two workers and share the
worktree slots. The lock is an ``flock`` on a file beside the run's logs, so the
system releases it when its process ends in any way (even killed), and a stale
lock never blocks a later run. A thread that holds it may take it again (``ap
retry`` holds it from before it changes the plan until the end of the run it starts).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from ap.core.errors import CheckFailed

_held = threading.local()  # the lock files this thread holds


def lock_path(git_dir: Path, plan_id: str) -> Path:
    """The run lock of a plan: beside its run's logs and worktrees."""
    return git_dir / "ap" / "run" / plan_id / "run.lock"


@contextlib.contextmanager
def holding(path: Path, plan_id: str, *, doing: str = "`ap run`") -> Iterator[None]:
    """Hold the run lock at ``path`` or refuse, naming the process that holds it."""
    held: set[Path] = getattr(_held, "paths", set())
    _held.paths = held
    key = path.resolve()
    if key in held:  # this thread holds it already
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise CheckFailed(
                f"plan {plan_id} is being run already, by {holder}; nothing was started",
                hint="follow that run with `ap status --watch`, or stop it (Ctrl-C) first",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{doing} process {os.getpid()}\n".encode(), 0)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # (and with it the lock)
