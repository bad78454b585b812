"""One ``ap run`` (or ``ap retry``) of a plan at a time in a repository.

Two runs of one plan would hand the same objectives to two workers and share the
worktree slots. The lock is an ``flock`` on a file beside the run's logs, so the
system releases it when its process ends in any way (even killed), and a stale
lock never blocks a later run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ap.errors import CheckFailed


@contextlib.contextmanager
def holding(path: Path, plan_id: str) -> Iterator[None]:
    """Hold the run lock at ``path`` or refuse, naming the process that holds it."""
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
        os.pwrite(fd, f"`ap run` process {os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # (and with it the lock)
