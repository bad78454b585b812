"""The integration branch moves only by ap's own commits: checked before ap builds on it.

A worker runs as the same user as ap, in a worktree of the same repository: it can
check the integration branch out and commit there, merge into it, or move it with
``git update-ref``. So before ap builds on the branch's tip (start, merge, the
accomplishment, a scope grant, a retry), it walks the first-parent chain from the
tip back to the plan's first commit and checks that every commit is a step ap
could have made (:mod:`ap.run.steps`); otherwise it refuses, naming the foreign
commits and how to put the branch back, and changes nothing. Commits are
content-addressed, so a commit found good stays good: their ids are kept under
the git dir (``ap/cache/integrity``), with the plan's first commit, and the
check of a branch ap itself moved last costs a set lookup.

The plan on the branch is validated too (:func:`ap.plan.validate.validate_plan`),
cached by its scopes; ap refuses to move a branch checked out in a worktree, and to
start again, from a copy of the plan with other scopes, a branch it started before
that is gone. What this cannot see: a worker running as the same user can edit these
records under the git dir too (see the README's Reliability section).
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ap.core.errors import ApError, CheckFailed, PlanInvalid
from ap.core.models import CoordinationPlan
from ap.git import Git, parse_trailers
from ap.run.steps import Rules, Step, scope_terms

if TYPE_CHECKING:
    from ap.run.ledger import Ledger

WALK_LIMIT = 10_000  # commits looked at before giving up on finding the plan's first one
SHOWN = 8  # commits and paths named in a refusal
_KNOWN: dict[Path, set[str]] = {}  # the trust files' lines, by file (so by repository)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Commit:
    """What a refusal names of a commit, and what the rules read."""

    oid: str
    parents: tuple[str, ...]
    author: str
    message: str

    @property
    def subject(self) -> str:
        return (self.message.strip().splitlines() or [""])[0]

    @property
    def trailers(self) -> dict[str, str]:
        return parse_trailers(self.message)


def read_commit(git: Git, oid: str) -> Commit | None:
    """The commit ``oid`` (through git's object reader, no new process), or None."""
    found = git.read_object(oid)
    if found is None or found[1] != "commit":
        return None
    head, _, body = found[2].partition(b"\n\n")
    parents: list[str] = []
    author = ""
    for line in head.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        if key == "parent":
            parents.append(value)
        elif key == "author":
            author = value.rsplit(" ", 2)[0]  # without the date
    return Commit(found[0], tuple(parents), author, body.decode("utf-8", "replace"))


class Trust:
    """The commits of a plan's integration branch known to be ap's, and the plan's first one.

    Kept in ``<git dir>/ap/cache/integrity`` (one line per commit, appended) and in
    memory; what is known never changes, so neither goes stale.
    """

    def __init__(self, git: Git, plan_id: str, key: str) -> None:
        self.folder = git.git_dir() / "ap" / "cache" / "integrity"
        self.file = self.folder / f"{plan_id}.{key}.commits"
        self.anchor_file = self.folder / f"{plan_id}.{key}.first"
        self.valid_file = self.folder / f"plans.{key}.valid"

    def __contains__(self, oid: str) -> bool:
        return self.knows(self.file, oid)

    def knows(self, file: Path, line: str) -> bool:
        with _LOCK:
            known = _KNOWN.setdefault(file, set())
            if line in known:
                return True
            known.update(_lines(file))  # another process may have added it
            return line in known

    def add(self, oids: list[str], file: Path | None = None) -> None:
        file = file or self.file
        with _LOCK:
            _KNOWN.setdefault(file, set()).update(oids)
        if oids:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                with open(file, "a", encoding="ascii") as handle:
                    handle.write("".join(f"{oid}\n" for oid in oids))
            except OSError:
                pass  # a cache: the next check only costs more

    def last(self) -> str | None:
        """The commit most recently found good (where the branch can be put back)."""
        lines = _lines(self.file)
        return lines[-1] if lines else None

    def anchor(self) -> str | None:
        lines = _lines(self.anchor_file)
        return lines[0] if lines else None

    def pin(self, oid: str) -> None:
        """Remember the plan's first commit: a history starting elsewhere is not ap's."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.anchor_file.with_name(f"{self.anchor_file.name}.{os.getpid()}.tmp")
            tmp.write_text(f"{oid}\n", encoding="ascii")
            os.replace(tmp, self.anchor_file)
        except OSError:
            pass


def _lines(file: Path) -> list[str]:
    try:
        return file.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return []


def trust_key(state_dir: str, prefix: str, case_sensitive: bool) -> str:
    """The settings a check depends on, as a short name."""
    text = f"{state_dir}\0{prefix}\0{int(case_sensitive)}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


# -- the chain ---------------------------------------------------------------


def verify_chain(ledger: Ledger, tip: str) -> None:
    """Refuse (CheckFailed) unless every commit from the plan's first one to ``tip`` is ap's."""
    trust = ledger.trust
    if tip in trust:
        return
    chain, reached = _walk(ledger.git, ledger.plan_id, tip, trust)
    if not reached:
        raise _foreign(ledger, chain[:SHOWN], "the branch's history holds no first commit of "
                       f"plan {ledger.plan_id} that ap made", None)  # fmt: skip
    chain.reverse()  # oldest first: each commit is judged on its parent's plan

    rules = Rules(ledger)
    good: list[str] = []
    try:
        for number, commit in enumerate(chain):
            first = number == 0 and commit.oid == reached
            problem = _judge(ledger, rules, commit, first=first)
            if problem is not None:
                last = trust.last() if first else commit.parents[0]
                raise _foreign(ledger, list(reversed(chain[number:])), problem, last)
            good.append(commit.oid)
    finally:
        trust.add(good)


def _walk(git: Git, plan_id: str, tip: str, trust: Trust) -> tuple[list[Commit], str | None]:
    """The commits from ``tip`` back to one known good (excluded) or to the plan's first
    commit (included), newest first; and where it stopped (None: found neither)."""
    chain: list[Commit] = []
    oid = tip
    while len(chain) < WALK_LIMIT:
        commit = read_commit(git, oid)
        if commit is None:
            break
        chain.append(commit)
        found = commit.trailers
        if found.get("AP-Plan") == plan_id and found.get("AP-Step") == "plan":
            return chain, commit.oid
        if not commit.parents:
            break
        oid = commit.parents[0]
        if oid in trust:
            return chain, oid
    return chain, None


def _judge(ledger: Ledger, rules: Rules, commit: Commit, *, first: bool) -> str | None:
    """Why ``commit`` is not ap's (its first parent is known good unless ``first``), or None."""
    if not commit.parents:
        return "it has no parent"
    parent = commit.parents[0]
    try:
        new = ledger.load(commit.oid)
        old = None if first else ledger.load(parent)
    except ApError as exc:
        return f"its plan cannot be read: {exc.message}"
    changes = ledger.git.diff_raw(parent, commit.oid)
    if old is None:
        problem = rules.first(commit.parents, new, changes)
        anchor = ledger.trust.anchor()
        if problem is None and anchor is not None and anchor != commit.oid:
            problem = f"ap started this plan's branch at {anchor[:12]}, not here"
        if problem is None and anchor is None:
            ledger.trust.pin(commit.oid)
        return problem

    return rules.problem(Step(commit.oid, commit.parents, commit.trailers, old, new, changes))


def _foreign(ledger: Ledger, commits: list[Commit], reason: str, last: str | None) -> CheckFailed:
    """The refusal: each foreign commit (newest first) with what it changed, and the way back."""
    lines = [f"{ledger.branch} was moved by commits ap did not make; nothing was changed."]
    for commit in commits:
        lines.append(f"  {commit.oid[:12]} {commit.subject[:72]!r} by {commit.author or '?'}")
        lines.append(f"    changes: {_paths(ledger.git, commit)}")
    oldest = commits[-1] if commits else None
    if oldest is not None:
        lines.append(f"{oldest.oid[:12]} is not ap's: {reason}")
    tip = commits[0].oid if commits else ""
    if last is not None:
        hint = (
            f"if you did not mean these commits, put the branch back on ap's last commit: "
            f"`git update-ref refs/heads/{ledger.branch} {last} {tip}`"
        )
    else:
        hint = f"put refs/heads/{ledger.branch} back on the last commit ap made for the plan"
    return CheckFailed("\n".join(lines), hint=hint)


def _paths(git: Git, commit: Commit) -> str:
    if not commit.parents:
        return "(a commit without parents)"
    paths = sorted({e.path for e in git.diff_raw(commit.parents[0], commit.oid)})
    shown = ", ".join(paths[:SHOWN]) + (
        f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    )
    return shown or "nothing"


def refuse_gone(ledger: Ledger) -> None:
    """Refuse (CheckFailed) when the branch is gone though ap started it in this repository."""
    anchor = _gone(ledger)
    if anchor is not None:
        raise CheckFailed(
            f"{ledger.branch} is gone, but ap started it before (at {anchor[:12]}); "
            "nothing was changed",
            hint=f"put it back with `git update-ref refs/heads/{ledger.branch} "
            f"{ledger.trust.last() or anchor}` (or `ap start` starts the plan again)",
        )


def refuse_restart(ledger: Ledger, plan: CoordinationPlan) -> None:
    """Refuse to start the branch again from ``plan`` (the working tree's copy) where ap
    started it before and it is gone (deleted by hand, or by a worker), unless the copy
    has the scopes ap started it with: anyone could have edited it since."""
    anchor = _gone(ledger)
    if anchor is None:
        return
    try:
        same = scope_terms(ledger.load(anchor)) == scope_terms(plan)
    except ApError:
        same = False
    if not same:
        raise CheckFailed(
            f"{ledger.branch} is gone, but ap started it before (at {anchor[:12]}) from a "
            "plan with other objectives, scopes or base than the working tree's copy has "
            "now; it is not started again from that copy; nothing was changed",
            hint=f"put it back with `git update-ref refs/heads/{ledger.branch} "
            f"{ledger.trust.last() or anchor}`",
        )


def _gone(ledger: Ledger) -> str | None:
    """The plan's first commit, when ap started the branch in this repository and it is
    gone now (None when it is there: the compare-and-swap says so)."""
    anchor = ledger.trust.anchor()
    if anchor is None or ledger.tip() is not None or ledger.git.read_object(anchor) is None:
        return None
    return anchor


# -- the plan on the branch --------------------------------------------------


def validate_tip(ledger: Ledger, plan: CoordinationPlan) -> None:
    """Refuse (PlanInvalid) a plan on the branch that breaks a validation rule, listing them.

    Validation depends only on the plan's scopes: a result is cached by their hash.
    """
    key = hashlib.sha1(repr(scope_terms(plan)).encode()).hexdigest()
    trust = ledger.trust
    if trust.knows(trust.valid_file, key):
        return
    from ap.plan.validate import validate_plan

    result = validate_plan(plan, case_sensitive=ledger.config.case_sensitive_scopes)
    if not result.valid:
        broken = "\n".join(f"  {v.rule}: {v.message}" for v in result.violations)
        raise PlanInvalid(
            f"the plan on {ledger.branch} breaks {len(result.violations)} rule(s); "
            f"nothing was changed:\n{broken}",
            hint=f"put {ledger.branch} back on the plan ap committed (`git log {ledger.branch}`)",
        )
    trust.add([key], trust.valid_file)


# -- worktrees -------------------------------------------------------------


def refuse_checked_out(git: Git, branch: str) -> None:
    """Refuse to move ``branch`` while a worktree has it checked out: its files and index
    would stay behind, and a `git commit -a` there would undo ap's commits."""
    if not git.maybe_checked_out(branch):
        return
    for worktree in git.worktrees():
        if worktree.branch == branch:
            where = worktree.path
            raise CheckFailed(
                f"{branch} is checked out in {where}; ap does not move a branch under a work "
                "tree (its files would stay behind); nothing was changed",
                hint=f"switch that work tree away from it (`git -C {where} switch -`, or "
                f"`git -C {where} checkout --detach`), then run the command again",
            )
