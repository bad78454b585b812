"""The worktrees ``ap run``'s workers work in: a few slots, kept for the whole run.

Adding a worktree is the slowest git step of starting an objective, and it races
with other worktree commands: while one is being added, a checkout elsewhere that
reads every worktree's records can fail. So slots are added one at a time, with
nothing else touching worktrees — ahead of time, while a wave's start is being
committed — and reused: a slot given back is emptied of untracked and ignored
files in the background, and taking it is one forced checkout of the next
objective's branch (which makes the tracked and staged files the branch's);
slots do those in parallel. The slots live under the git directory (never
tracked) and go when the run ends; a branch is never deleted.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ap.errors import ApError
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
    """Reusable worktrees in ``folder`` (one per objective running at the same time).

    Slots can be added ahead of time (:meth:`reserve`, while the wave's start is
    being committed), and a slot given back is emptied of everything its index
    does not track in the background, so taking one is a single forced checkout.
    """

    def __init__(self, git: Git, folder: Path) -> None:
        self.git = git
        self.folder = folder
        self._free: list[Path] = []  # clean slots, ready for any branch
        self._total = 0  # slots in use, free, or being added or cleaned
        self._pending = 0  # slots being added or cleaned in the background
        self._named = 0
        self._changed = threading.Condition()  # guards the counts and the free list
        self._gate = _Gate()
        self._threads: list[threading.Thread] = []
        self._removing: threading.Thread | None = None
        self._closing = False  # no slot will be taken again

    def reserve(self, count: int, rev: str) -> None:
        """Start adding slots (detached at ``rev``, no files yet) until there are ``count``."""
        with self._changed:
            paths = [self._new() for _ in range(count - self._total)]
            self._pending += len(paths)
        if paths:
            self._background(self._add_all, paths, rev)

    def take(self, branch: str) -> Path:
        """A worktree on ``branch`` and nothing else: a free slot switched to it, or a new one."""
        with self._changed:
            while not self._free and self._pending:
                self._changed.wait()
            slot = self._free.pop() if self._free else None
            new = slot is None
            if slot is None:
                slot = self._new()
        try:
            if new:
                with self._gate.alone():
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self.git.worktree_add(slot, branch, branch=branch, checkout=False)
            with self._gate.shared():
                self.git.checkout_worktree(slot, branch)
        except BaseException:
            self._remove(slot)
            raise
        return slot

    def give_back(self, slot: Path) -> None:
        """``slot`` is free again once it is cleaned (in the background); after
        :meth:`no_more_takes` it is only left for :meth:`remove_all`."""
        with self._changed:
            if self._closing:
                return
            self._pending += 1
        self._background(self._clean, slot)

    def no_more_takes(self) -> None:
        """The run will take no other slot: the ones given back need no cleaning."""
        with self._changed:
            self._closing = True

    def remove_all(self, *, prune: bool = True) -> None:
        """Remove every slot (their branches stay, with whatever was committed on them).

        ``prune``: have git forget missing worktrees even when no slot was there (a
        killed run may have left records behind).
        """
        removing = self._removing
        if removing is not None and removing is not threading.current_thread():
            removing.join()
        with self._changed:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join()
        with self._changed:
            self._free.clear()
            self._total = 0
        with self._gate.alone():
            trees = list(self.folder.iterdir()) if self.folder.is_dir() else []
            for tree in trees:
                shutil.rmtree(tree, ignore_errors=True)
            if trees or prune:
                self.git.run_bytes("worktree", "prune", check=False)

    def remove_all_soon(self) -> None:
        """Start removing every slot in the background: the run needs no more of them."""
        self._removing = threading.Thread(
            target=self.remove_all, kwargs={"prune": False}, name="ap-slots", daemon=True
        )
        self._removing.start()

    # -- in the background ------------------------------------------------

    def _new(self) -> Path:
        """The path of one more slot (the caller holds the lock)."""
        self._named += 1
        self._total += 1
        return self.folder / f"slot-{self._named}"

    def _background(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="ap-slots", daemon=True)
        with self._changed:
            self._threads.append(thread)
        thread.start()

    def _add_all(self, paths: list[Path], rev: str) -> None:
        for slot in paths:
            try:
                with self._gate.alone():
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self.git.worktree_add(slot, rev, checkout=False)
            except ApError:  # taking a slot adds one itself, and says what went wrong
                self._settle(slot, ready=False)
                self._remove(slot)
            else:
                self._settle(slot, ready=True)

    def _clean(self, slot: Path) -> None:
        try:
            self.git.clean_worktree(slot)
        except ApError:
            self._settle(slot, ready=False)
            self._remove(slot)
        else:
            self._settle(slot, ready=True)

    def _settle(self, slot: Path, *, ready: bool) -> None:
        with self._changed:
            self._pending -= 1
            if ready:
                self._free.append(slot)
            self._changed.notify_all()

    def _remove(self, slot: Path) -> None:
        with self._changed:
            self._total -= 1
        with self._gate.alone():
            self.git.worktree_remove(slot)
            shutil.rmtree(slot, ignore_errors=True)
