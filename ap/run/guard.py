"""An objective's branch moves only by its own objective's hand.

``ap run`` knows where each objective branch of the running wave should be: where
the wave's start put it (or where a resumed run found it), then moved only by that
objective's own worktree — its worker committing there, or ap submitting there.
Every move made through a worktree's HEAD is in that worktree's own reflog, and
each worker's git commands label their reflog entries ``ap-worker <task>``
(``GIT_REFLOG_ACTION``), so:

- a branch tip that its own worktree's HEAD did not put there was moved from
  elsewhere (``git update-ref`` in another worktree, a commit after the objective
  ended): foreign;
- an entry in its own worktree labelled with another objective is that objective
  committing there: foreign.

A foreign move is undone: the branch goes back to where ap expects it, the foreign
tip is kept under ``refs/ap/foreign/<plan>/<task>/<n>`` (never deleted), files the
foreign commits brought into the victim's worktree outside its scope are put back,
and the victim is not failed for it. The culprit is named when the evidence names
it — a reflog label, its worktree's HEAD gone from its own branch, or foreign
changes that lie in its scope alone — and failed; otherwise the event says that
ap cannot tell.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ap.core.events import event
from ap.core.models import Event
from ap.git import Git
from ap.scope.matcher import ScopeMatcher

LABEL = "ap-worker"


@dataclass
class Foreign:
    """One foreign move of an objective branch, undone."""

    victim: str
    branch: str
    expected: str
    found: str | None  # None: the branch was deleted
    kept: str | None  # the ref the foreign tip is kept under
    culprit: str | None
    evidence: str

    def event(self) -> Event:
        """The ``foreign_move`` event: whose branch, moved by whom, kept where."""
        who = self.culprit or "a hand ap cannot tell"
        kept = f"; the foreign commit is kept as {self.kept}" if self.kept else ""
        return event(
            "foreign_move",
            "execution",
            task=self.victim,
            culprit=self.culprit,
            kept=self.kept,
            evidence=self.evidence,
            message=f"{self.victim}'s branch was moved by {who} ({self.evidence}): "
            f"put back where ap left it{kept}",
        )


@dataclass
class _Watched:
    branch: str
    expected: str
    scope: ScopeMatcher
    tree: Path | None = None


def label(task: str) -> str:
    """What a worker's reflog entries start with (its ``GIT_REFLOG_ACTION``)."""
    return f"{LABEL} {task}"


class BranchGuard:
    """The objective branches of one wave, and where ap expects each of them."""

    def __init__(self, git: Git, plan_id: str, *, case_sensitive: bool = False) -> None:
        self.git = git
        self.plan_id = plan_id
        self.case_sensitive = case_sensitive
        self.culprits: dict[str, str] = {}  # task -> why it failed
        self._watched: dict[str, _Watched] = {}
        self._lock = threading.Lock()

    def expect(self, task: str, branch: str, tip: str, scope: list[str]) -> None:
        """Watch ``branch`` of ``task`` from ``tip``."""
        matcher = ScopeMatcher(scope, case_sensitive=self.case_sensitive)
        with self._lock:
            self._watched[task] = _Watched(branch, tip, matcher)

    def working(self, task: str, tree: Path | None) -> None:
        """``task``'s worktree while it works (None once it is done with it)."""
        with self._lock:
            if task in self._watched:
                self._watched[task].tree = tree

    def committed(self, task: str, commit: str) -> None:
        """ap moved ``task``'s branch to ``commit`` (its submit)."""
        with self._lock:
            if task in self._watched:
                self._watched[task].expected = commit

    def check(self) -> list[Foreign]:
        """Accept each branch's moves made by its own worktree; undo the others."""
        with self._lock:
            prefixes = {w.branch.rsplit("/", 1)[0] for w in self._watched.values()}
            tips: dict[str, str] = {}
            for prefix in prefixes:
                tips.update(self.git.branches(f"{prefix}/*"))
            found = []
            for task, watched in self._watched.items():
                tip = tips.get(watched.branch)
                if tip == watched.expected:
                    continue
                intruder = self._own_move(watched, tip)
                if intruder is None and tip is not None:
                    watched.expected = tip  # its own worktree moved it
                    continue
                found.append(self._undo(task, watched, tip, intruder or None))
            return found

    # -- telling own moves from foreign ones ---------------------------------

    def _own_move(self, watched: _Watched, tip: str | None) -> str | None:
        """None when ``tip`` is the newest entry of the branch's own worktree's HEAD
        reflog; else "" (foreign), or the objective its label names."""
        if tip is None or watched.tree is None:
            return ""
        there = self.git.at(watched.tree)
        if there.head_ref() != f"refs/heads/{watched.branch}":
            return ""
        commit, message = there.reflog_newest("HEAD") or ("", "")
        if commit != tip:
            return ""
        other = _labelled(message)
        return other if other is not None and other != self._task_of(watched) else None

    def _task_of(self, watched: _Watched) -> str:
        return next(t for t, w in self._watched.items() if w is watched)

    def _culprit(
        self, victim: str, watched: _Watched, tip: str | None, named: str | None
    ) -> tuple[str | None, str]:
        """Who moved the victim's branch, and the evidence (or why ap cannot tell)."""
        if named:
            return named, f"{named}'s worker made the commit in {victim}'s worktree"
        if tip is not None:
            entry = self.git.reflog_newest(f"refs/heads/{watched.branch}")
            by = _labelled(entry[1] if entry is not None else "")
            if by is not None and by != victim and by in self._watched:
                return by, f"its git commands moved {victim}'s branch (reflog: {LABEL} {by})"
        strays = [
            t
            for t, w in self._watched.items()
            if t != victim
            and w.tree is not None
            and self.git.at(w.tree).head_ref() != f"refs/heads/{w.branch}"
        ]
        if len(strays) == 1:
            return strays[0], f"{strays[0]}'s worktree left its own branch"
        owner = self._owner_of_changes(victim, watched, tip)
        if owner is not None:
            return owner, f"the foreign commits change {owner}'s files only"
        return None, "ap cannot tell which worker did it"

    def _owner_of_changes(self, victim: str, watched: _Watched, tip: str | None) -> str | None:
        if tip is None:
            return None
        paths = self._changed(watched.expected, tip)
        if not paths or any(watched.scope.covers(p) for p in paths):
            return None
        owners = {
            t
            for t, w in self._watched.items()
            if t != victim and all(w.scope.covers(p) for p in paths)
        }
        return owners.pop() if len(owners) == 1 else None

    # -- undoing ------------------------------------------------------------

    def _undo(self, victim: str, watched: _Watched, tip: str | None, named: str | None) -> Foreign:
        culprit, evidence = self._culprit(victim, watched, tip, named)
        kept = None
        if tip is not None:
            kept = self._keep(victim, tip)
        self.git.update_ref(f"refs/heads/{watched.branch}", watched.expected, tip, reason="ap")
        if watched.tree is not None and tip is not None:
            self._repair(watched, tip)
        if culprit is not None:
            ref = f" (kept as {kept})" if kept else ""
            self.culprits.setdefault(culprit, f"moved {victim}'s branch{ref}: {evidence}")
        return Foreign(victim, watched.branch, watched.expected, tip, kept, culprit, evidence)

    def _keep(self, victim: str, tip: str) -> str:
        base = f"refs/ap/foreign/{self.plan_id}/{victim}"
        have = self.git.refs_under(f"{base}/")
        number = len(have) + 1
        while not self.git.update_ref(f"{base}/{number}", tip, None):
            number += 1
        return f"{base}/{number}"

    def _repair(self, watched: _Watched, tip: str) -> None:
        """The victim's worktree, back on the expected commit, keeps its own work: files
        the foreign commits changed outside its scope go back to the expected commit."""
        tree = watched.tree
        assert tree is not None
        there = self.git.at(tree)
        there.reset_index(watched.expected)
        for path in self._changed(watched.expected, tip):
            if watched.scope.covers(path):
                continue
            if not there.restore_path(watched.expected, path):
                # not in the expected commit: the foreign one added it
                (tree / path).unlink(missing_ok=True)

    def _changed(self, old: str, new: str) -> list[str]:
        return self.git.changed_paths(old, new)


def _labelled(message: str) -> str | None:
    """The objective a reflog message's ``ap-worker <task>:`` label names, if any."""
    if not message.startswith(f"{LABEL} "):
        return None
    words = message[len(LABEL) + 1 :].split(":", 1)[0].split()  # ("T1 (finish): …" a rebase's)
    return words[0] if words else None
