"""The worktrees ``ap run``'s workers work in: a fresh one for every attempt.

A worktree is never handed to a second objective: whatever a worker left behind
(a daemon still writing, a file under a path it kept open) must not land in
another objective's commit or fail it. So each attempt gets a new directory, and
a worktree given back is removed — unless it holds uncommitted work (changed
tracked files, untracked files that are not ignored): that is somebody's work (a
person's, or a worker's that stopped half-way), never deleted; it is kept where
it is, reported (:attr:`Slots.on_keep`), and handed back to its objective when a
person takes it up again.

Adding a worktree is the slowest git step of starting an objective, and it races
with other worktree commands: while one is being added, a checkout elsewhere that
reads every worktree's records can fail. So worktrees are added one at a time,
with nothing else touching worktrees — ahead of time, while a wave's start is
being committed, and in the background as a replacement for each one given back —
and taking one is a forced checkout of the objective's branch; those run in
parallel. They live under the git directory (never tracked); a branch is never
deleted.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ap.core.errors import ApError
from ap.core.events import event
from ap.core.models import Event
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
    """Fresh worktrees in ``folder``: added ahead of time (:meth:`reserve`), taken once
    (:meth:`take`), removed when given back unless they hold uncommitted work.

    ``on_keep(task, path)`` is told of each worktree kept for its uncommitted work
    (``task``: the objective it was taken for, None when unknown).
    """

    def __init__(
        self,
        git: Git,
        folder: Path,
        *,
        on_keep: Callable[[str | None, Path], None] | None = None,
    ) -> None:
        self.git = git
        self.folder = folder
        self.owners = folder.parent / "owners"  # which objective each taken worktree is for
        self.discarded = folder.parent / "discarded"  # worktrees being deleted
        self.on_keep = on_keep
        self.kept: dict[str, Path] = {}  # objective -> its kept worktree
        self._reported: set[Path] = set()
        self._free: list[Path] = []  # fresh worktrees, ready for any branch
        self._total = 0  # worktrees in use, free, or being added
        self._pending = 0  # worktrees being added in the background
        self._named = 0
        self._tag = secrets.token_hex(3)  # (a kept worktree of an earlier run has a name)
        self._rev = "HEAD"
        self._changed = threading.Condition()  # guards the counts and the free list
        self._gate = _Gate()
        self._threads: list[threading.Thread] = []
        self._removing: threading.Thread | None = None
        self._closing = False  # no worktree will be taken again
        self._unpruned = False  # a worktree was removed, git not told yet

    def reserve(self, count: int, rev: str) -> None:
        """Start adding worktrees (detached at ``rev``, no files yet) until there are ``count``."""
        with self._changed:
            self._rev = rev
            paths = [self._new() for _ in range(count - self._total)]
            self._pending += len(paths)
        if paths:
            self._background(self._add_all, paths, rev)

    def take(self, branch: str, task: str | None = None, *, resume: bool = False) -> Path:
        """A worktree on ``branch`` and nothing else, never used before; with ``resume``,
        the worktree kept for ``task`` when it is still on ``branch`` (its work goes on)."""
        kept = self.kept.pop(task, None) if task is not None else None
        if kept is not None:
            if resume and (self._on(kept, branch) or self._carry(kept, branch)):
                with self._changed:
                    self._total += 1  # (given back like any other)
                return kept
            self._set_aside(kept)
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
            self._checkout(slot, branch)
        except BaseException:
            self._remove(slot)
            raise
        if task is not None:
            self.owners.mkdir(parents=True, exist_ok=True)
            (self.owners / slot.name).write_text(task, encoding="utf-8")
        return slot

    def _checkout(self, slot: Path, branch: str) -> None:
        try:
            with self._gate.shared():
                self.git.checkout_worktree(slot, branch)
        except ApError:
            if not self._unpruned:
                raise
            # the branch may still be recorded for a worktree removed earlier in this run
            with self._gate.alone():
                self.git.prune_worktrees()
                self._unpruned = False
            with self._gate.shared():
                self.git.checkout_worktree(slot, branch)

    def give_back(self, slot: Path) -> None:
        """Done with ``slot``: it is removed (or kept, with uncommitted work) in the
        background, and a fresh one added in its place; after :meth:`no_more_takes`
        it is only left for :meth:`remove_all`."""
        with self._changed:
            if self._closing:
                return
            self._pending += 1
            fresh = self._new()
            self._total -= 1  # (the one given back)
        self._background(self._replace, slot, fresh)

    def no_more_takes(self) -> None:
        """The run will take no other worktree: the ones given back need no replacement."""
        with self._changed:
            self._closing = True

    def remove_all(self, *, prune: bool = True) -> None:
        """Remove every worktree but those with uncommitted work, which are kept (and
        reported); their branches stay, with whatever was committed on them.

        ``prune``: have git forget missing worktrees even when none was removed (a
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
        trees = sorted(self.folder.iterdir()) if self.folder.is_dir() else []
        gone = [tree for tree in trees if not self._keep_if_worked(tree)]
        with self._gate.alone():
            for tree in gone:
                self._discard(tree)
            shutil.rmtree(self.discarded, ignore_errors=True)  # (a killed run's leftovers)
            if gone or prune or self._unpruned:
                self.git.prune_worktrees()
                self._unpruned = False

    def remove_all_soon(self) -> None:
        """Start removing every worktree in the background: the run needs no more of them."""
        self._removing = threading.Thread(
            target=self.remove_all, kwargs={"prune": False}, name="ap-slots", daemon=True
        )
        self._removing.start()

    # -- uncommitted work --------------------------------------------------

    def _keep_if_worked(self, tree: Path) -> bool:
        """Whether ``tree`` is kept: it was taken, and holds uncommitted work."""
        owner = self.owners / tree.name
        if not owner.is_file() or not self._worked(tree):
            return False  # (never taken: an added worktree has no files yet)
        task = owner.read_text(encoding="utf-8").strip() or None
        if task is not None:
            self.kept[task] = tree
        if tree not in self._reported and self.on_keep is not None:
            self._reported.add(tree)
            self.on_keep(task, tree)
        return True

    def _worked(self, tree: Path) -> bool:
        """Changed tracked files or untracked files that are not ignored (or no way to tell)."""
        if not tree.is_dir():
            return False
        return self.git.at(tree).has_work()

    def _on(self, tree: Path, branch: str) -> bool:
        """Whether ``tree`` is on ``branch``, at the commit it last had from its own HEAD
        (the branch was not moved elsewhere, e.g. reset by ``ap retry``)."""
        there = self.git.at(tree)
        if there.head_ref() != f"refs/heads/{branch}":
            return False
        return there.rev_parse("HEAD@{0}") == there.rev_parse("HEAD")

    def _carry(self, tree: Path, branch: str) -> bool:
        """Bring the kept work onto ``branch``, which moved while it waited (``ap retry``
        starts the objective again from the integration branch): a merge of the work
        into the branch's files (``checkout --merge``); whether it went. When it did not,
        the worktree is left as it was, at the commit its files came from. The work as it
        was (tracked files: a merge may leave conflict markers; untracked ones stay put) is
        kept first under ``refs/ap/kept/<worktree>``."""
        there = self.git.at(tree)
        if there.head_ref() != f"refs/heads/{branch}":
            return False
        self._set_aside(tree)
        snapshot = there.stash_create("ap: kept work")
        if snapshot:
            self.git.update_ref(f"refs/ap/kept/{tree.name}", snapshot, None)
        with self._gate.shared():
            return there.checkout_merging(branch)

    def _set_aside(self, tree: Path) -> None:
        """Let the objective run elsewhere: the kept worktree lets go of its branch and is
        left at the commit its files came from (files and index untouched), so that its
        ``git status`` / ``git diff`` still show exactly the work it holds."""
        there = self.git.at(tree)
        came_from = there.rev_parse("HEAD@{0}") or there.rev_parse("HEAD")
        if came_from:
            there.detach_head(came_from, "ap: kept")

    # -- in the background ------------------------------------------------

    def _new(self) -> Path:
        """The path of one more worktree (the caller holds the lock)."""
        self._named += 1
        self._total += 1
        return self.folder / f"wt-{self._tag}-{self._named}"

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
            except ApError:  # taking a worktree adds one itself, and says what went wrong
                self._settle(slot, ready=False)
                self._remove(slot)
            else:
                self._settle(slot, ready=True)

    def _replace(self, old: Path, fresh: Path) -> None:
        self._add_all([fresh], self._rev)
        if not self._keep_if_worked(old):
            # (its record goes with the next prune: its branch is not checked out again
            # in this run, and nothing else waits for a worktree command)
            self._discard(old)
            self._unpruned = True

    def _discard(self, tree: Path) -> None:
        """Delete ``tree``, first moved out of the way in one step: should ap be killed
        half-way through, what is left is never a worktree with files missing, which the
        next run would take for somebody's uncommitted work and keep."""
        target = self.discarded / tree.name
        try:
            self.discarded.mkdir(parents=True, exist_ok=True)
            tree.rename(target)
        except OSError:
            target = tree  # (gone already, or not movable: deleted where it is)
        (self.owners / tree.name).unlink(missing_ok=True)
        shutil.rmtree(target, ignore_errors=True)

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


def kept_event(task: str | None, tree: Path) -> Event:
    """The ``worktree_kept`` event: where uncommitted work is kept, and what to do with it."""
    whose = f"{task}'s worktree" if task else "a worktree"
    again = (
        f"`ap run --worker manual` (`ap retry {task} --worker manual` once it failed) hands it "
        "back, or commit them there with `ap submit`"
        if task
        else "look at them there (`git status`)"
    )
    return event(
        "worktree_kept",
        "execution",
        task=task,
        path=str(tree),
        message=f"{whose} has uncommitted changes, kept in {tree}: {again}; to drop them: "
        f"`git worktree remove --force {tree}`",
    )
