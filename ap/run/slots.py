"""The worktrees ``ap run``'s workers work in: a few slots, kept for the whole run.

Adding a worktree is the slowest git step of starting an objective, and it races
with other worktree commands: while one is being added, a checkout elsewhere that
reads every worktree's records can fail. So a run adds a slot only when every
existing one is busy, with nothing else touching worktrees, and afterwards just
switches a free slot to the next objective's branch — a checkout and a clean,
which slots do in parallel. The slots live under the git directory (never
tracked) and go when the run ends; a branch is never deleted.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ap.git import Git


class _Gate:
    """Many checkouts at once, or one worktree add or removal alone.

    Adds go first: a checkout waits while an add is waiting, so a wave's new
    slots are all added (one by one, quickly) before their checkouts run together.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sharing = 0
        self._alone = False
        self._waiting = 0  # adds waiting for their turn

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._changed:
            while self._alone or self._waiting:
                self._changed.wait()
            self._sharing += 1
        try:
            yield
        finally:
            with self._changed:
                self._sharing -= 1
                self._changed.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._changed:
            self._waiting += 1
            while self._alone or self._sharing:
                self._changed.wait()
            self._waiting -= 1
            self._alone = True
        try:
            yield
        finally:
            with self._changed:
                self._alone = False
                self._changed.notify_all()


class Slots:
    """Reusable worktrees in ``folder`` (one per objective running at the same time)."""

    def __init__(self, git: Git, folder: Path) -> None:
        self.git = git
        self.folder = folder
        self._free: list[Path] = []
        self._count = 0
        self._lock = threading.Lock()  # the free list and the count
        self._gate = _Gate()

    def take(self, branch: str) -> Path:
        """A worktree on ``branch``, clean: a free slot switched to it, or a new one."""
        with self._lock:
            slot = self._free.pop() if self._free else None
            if slot is None:
                self._count += 1
                slot = self.folder / f"slot-{self._count}"
                new = True
            else:
                new = False
        try:
            if new:
                with self._gate.alone():
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self.git.worktree_add(slot, branch, branch=branch, checkout=False)
                with self._gate.shared():
                    self.git.checkout_worktree(slot)
            else:
                with self._gate.shared():
                    self.git.switch_worktree(slot, branch)
        except BaseException:
            self._remove(slot)
            raise
        return slot

    def give_back(self, slot: Path) -> None:
        """``slot`` is free again."""
        with self._lock:
            self._free.append(slot)

    def _remove(self, slot: Path) -> None:
        with self._gate.alone():
            self.git.worktree_remove(slot)
            shutil.rmtree(slot, ignore_errors=True)

    def remove_all(self) -> None:
        """Remove every slot (their branches stay, with whatever was committed on them)."""
        with self._lock:
            self._free.clear()
        with self._gate.alone():
            if self.folder.is_dir():
                for tree in self.folder.iterdir():
                    shutil.rmtree(tree, ignore_errors=True)
            self.git.run_bytes("worktree", "prune", check=False)
