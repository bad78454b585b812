"""Worktree slots: exactly the branch taken, reused, added ahead; and their gate (a worktree
add never runs while a checkout does: git races with itself)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ap.core.errors import GitError
from ap.git import Git
from ap.run.slots import Slots, _Gate
from tests.helpers import Repo, make_repo


def _branches(repo: Repo) -> None:
    """Branch ``one`` adds one.txt and a .gitignore; ``two`` changes README.md."""
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("switch", "-q", "-c", "one")
    repo.write("one.txt", "one\n")
    repo.write(".gitignore", "build/\n")
    repo.commit("one")
    repo.git("switch", "-q", "-c", "two", base)
    repo.write("README.md", "two\n")
    repo.commit("two")
    repo.git("switch", "-q", "main")
    repo.git("branch", "three", base)


def _slots(tmp_path: Path) -> tuple[Repo, Slots]:
    """A repository with the branches of :func:`_branches`, and slots for it."""
    repo = make_repo(tmp_path / "repo", {"README.md": "base\n"})
    _branches(repo)
    return repo, Slots(Git(repo.root), tmp_path / "slots")


def _files(tree: Path) -> dict[str, str]:
    return {
        p.relative_to(tree).as_posix(): p.read_text()
        for p in sorted(tree.rglob("*"))
        if p.is_file() and p.name != ".git"
    }


def test_each_take_is_a_fresh_worktree_exactly_the_branch(tmp_path: Path) -> None:
    """A worktree is never handed out twice: what a worker left (ignored files, a nested
    repository, a process still writing there) cannot reach the next objective."""
    repo, slots = _slots(tmp_path)
    try:
        tree = slots.take("one")
        assert _files(tree) == {"README.md": "base\n", "one.txt": "one\n", ".gitignore": "build/\n"}
        (tree / "build").mkdir()
        (tree / "build" / "out.bin").write_text("ignored\n")  # ignored: not somebody's work
        slots.give_back(tree)
        again = slots.take("two")
        assert again != tree and again.parent == tree.parent  # a new directory
        assert _files(again) == {"README.md": "two\n"}
        assert Repo(again).git("status", "--porcelain", "--ignored") == ""
        assert Repo(again).git("symbolic-ref", "--short", "HEAD").strip() == "two"
        slots.give_back(again)
        third = slots.take("one")
        assert third not in (tree, again)
    finally:
        slots.remove_all()
    assert not tree.exists()  # removed: nothing of it was uncommitted work
    assert len(repo.git("worktree", "list").splitlines()) == 1
    assert not any((tmp_path / "slots").iterdir())


@pytest.mark.parametrize("work", ["changed", "staged", "untracked"])
def test_uncommitted_work_is_kept_reported_and_handed_back(tmp_path: Path, work: str) -> None:
    """A worktree with uncommitted work (a person's, or a worker's stopped half-way) is
    never removed nor cleaned: kept where it is, reported, and handed back to its objective
    when it is taken up again (a rerun: other slots, the same folder)."""
    repo, slots = _slots(tmp_path)
    told: list[tuple[str | None, Path]] = []
    slots.on_keep = lambda task, path: told.append((task, path))
    tree = slots.take("one", "T1")
    if work == "changed":
        (tree / "one.txt").write_text("mine\n")
    elif work == "staged":
        (tree / "staged.txt").write_text("mine\n")
        Repo(tree).git("add", "staged.txt")
    else:
        (tree / "untracked").mkdir()
        (tree / "untracked" / "x.txt").write_text("mine\n")
    slots.give_back(tree)
    assert slots.take("two", "T2") != tree
    slots.remove_all()
    assert told == [("T1", tree)]
    assert _files(tree) != {"README.md": "base\n", "one.txt": "one\n", ".gitignore": "build/\n"}
    # a rerun (ap killed, started again): found, reported, handed back as it is
    rerun = Slots(Git(repo.root), tmp_path / "slots")
    again: list[tuple[str | None, Path]] = []
    rerun.on_keep = lambda task, path: again.append((task, path))
    rerun.remove_all()
    assert again == [("T1", tree)] and rerun.kept == {"T1": tree}
    before = _files(tree)
    assert rerun.take("one", "T1", resume=True) == tree
    assert _files(tree) == before
    rerun.give_back(tree)
    rerun.remove_all()
    assert tree.is_dir()  # still kept: it was not committed
    # a worker that is not a person starts afresh; the kept worktree lets go of the branch
    fresh = rerun.take("one", "T1")
    assert fresh != tree and _files(tree) == before
    assert Repo(tree).git("rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"
    rerun.remove_all()
    assert tree.is_dir() and not fresh.exists()


def test_reserved_slots_are_added_ahead_and_taken_without_another_add(tmp_path: Path) -> None:
    repo, slots = _slots(tmp_path)
    try:
        slots.reserve(2, "main")
        slots.reserve(2, "main")  # already coming: nothing more
        first, second = slots.take("one"), slots.take("two")
        assert {first.name[-2:], second.name[-2:]} == {"-1", "-2"}  # the reserved ones
        reserved = {first, second}
        assert _files(first)["one.txt"] == "one\n"
        assert _files(second) == {"README.md": "two\n"}
        third = slots.take("three")  # every reserved slot is busy: one more is added
        assert third not in reserved and _files(third) == {"README.md": "base\n"}
    finally:
        slots.remove_all()
    assert len(repo.git("worktree", "list").splitlines()) == 1


def test_a_reserved_slot_that_cannot_be_added_leaves_taking_to_add_and_explain(
    tmp_path: Path,
) -> None:
    repo, slots = _slots(tmp_path)
    try:
        slots.reserve(1, "no-such-commit")
        with pytest.raises(GitError, match="no-such-branch"):
            slots.take("no-such-branch")
        assert _files(slots.take("three")) == {"README.md": "base\n"}  # the failed one forgotten
    finally:
        slots.remove_all()
    assert len(repo.git("worktree", "list").splitlines()) == 1


def test_alone_waits_for_every_shared_holder_and_blocks_new_ones() -> None:
    gate = _Gate()
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def checkout(name: str) -> None:
        with gate.shared():
            order.append(f"{name} in")
            inside.set()
            release.wait(5)
            order.append(f"{name} out")

    def add() -> None:
        with gate.alone():
            order.append("add")

    first = threading.Thread(target=checkout, args=("c1",))
    first.start()
    inside.wait(5)
    adder = threading.Thread(target=add)
    adder.start()
    time.sleep(0.05)
    assert "add" not in order  # a checkout is running: the add waits
    release.set()
    first.join(5)
    adder.join(5)
    assert order == ["c1 in", "c1 out", "add"]


def test_shared_holders_run_together() -> None:
    gate = _Gate()
    both = threading.Barrier(2, timeout=5)

    def checkout() -> None:
        with gate.shared():
            both.wait()  # would time out (BrokenBarrierError) if they excluded each other

    threads = [threading.Thread(target=checkout) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not both.broken


def test_a_waiting_add_goes_before_new_checkouts() -> None:
    gate = _Gate()
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate.shared():
            inside.set()
            release.wait(5)
            order.append("first checkout out")

    def add() -> None:
        with gate.alone():
            order.append("add")

    def checkout() -> None:
        with gate.shared():
            order.append("second checkout")

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    adder = threading.Thread(target=add)
    adder.start()
    time.sleep(0.05)  # the add is waiting now
    late = threading.Thread(target=checkout)
    late.start()
    time.sleep(0.05)
    assert order == []  # the late checkout waits behind the waiting add
    release.set()
    for t in (holder, adder, late):
        t.join(5)
    assert order == ["first checkout out", "add", "second checkout"]


def test_slots_removed_in_the_background_are_gone_when_the_run_cleans_up(
    tmp_path: Path,
) -> None:
    repo, slots = _slots(tmp_path)
    for branch in ("one", "two"):
        slots.give_back(slots.take(branch))
    slots.remove_all_soon()
    slots.remove_all(prune=False)  # waits for the removal under way
    assert not any((tmp_path / "slots").iterdir())
    assert len(repo.git("worktree", "list").splitlines()) == 1
    assert repo.git("worktree", "prune", "--dry-run", "-v") == ""  # nothing left to forget


def test_after_the_last_take_a_slot_given_back_is_left_for_removal(tmp_path: Path) -> None:
    repo, slots = _slots(tmp_path)
    tree = slots.take("one")
    slots.no_more_takes()
    (tree / "build").mkdir()
    (tree / "build" / "junk").write_text("ignored\n")
    slots.give_back(tree)
    assert slots.take("two") != tree
    assert (tree / "build" / "junk").is_file()  # not removed yet
    slots.remove_all(prune=False)
    assert not tree.exists()
    assert len(repo.git("worktree", "list").splitlines()) == 1


KILLED_WHILE_REMOVING = """\
import os, shutil, signal, sys
from pathlib import Path
from ap.git import Git
from ap.run.slots import Slots

def half_removed(path, *args, **kwargs):  # ap killed half-way through removing a worktree
    for name in ("README.md", ".git"):
        for found in Path(path).rglob(name):
            found.unlink()
    os.kill(os.getpid(), signal.SIGKILL)

slots = Slots(Git(Path(sys.argv[1])), Path(sys.argv[2]))
tree = slots.take("one", "T1")
shutil.rmtree = half_removed
slots.no_more_takes()
slots.remove_all()
"""


def test_a_worktree_half_removed_by_a_killed_run_is_not_taken_for_work(tmp_path: Path) -> None:
    """ap killed while it removes a finished objective's worktree: what is left is not
    somebody's uncommitted work (files deleted, or no worktree at all), and the next run
    removes it instead of keeping it."""
    repo, _ = _slots(tmp_path)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_REMOVING, str(repo.root), str(tmp_path / "slots")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    rerun = Slots(Git(repo.root), tmp_path / "slots")
    told: list[tuple[str | None, Path]] = []
    rerun.on_keep = lambda task, path: told.append((task, path))
    rerun.remove_all()
    assert told == [] and rerun.kept == {}
    assert not any(p for p in (tmp_path / "slots").iterdir())
    assert len(repo.git("worktree", "list").splitlines()) == 1
