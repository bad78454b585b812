"""Refs: what a name points at, and moving refs by compare-and-swap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ap.git.errors import GitCommandFailed
from ap.git.runner import GIT_FAILED_HINT, GitBase

ZERO_OID = "0" * 40


class Refs(GitBase):
    """Reading and moving refs."""

    def rev_parse(self, rev: str) -> str | None:
        """The commit id ``rev`` names, or None when it names nothing."""
        proc = self.run_bytes("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip()

    def rev_parse_object(self, spec: str) -> str | None:
        """The id of any object (``REV:PATH`` for a blob), or None."""
        proc = self.run_bytes("rev-parse", "--verify", "--quiet", spec, check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository without commits."""
        return self.rev_parse("HEAD")

    def current_branch(self) -> str | None:
        """The checked-out branch name, or None when HEAD is detached."""
        proc = self.run_bytes("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip()

    def check_ref_format(self, name: str) -> bool:
        """Whether ``name`` is a valid branch name."""
        proc = self.run_bytes("check-ref-format", "--branch", name, check=False)
        return proc.returncode == 0

    def branches(self, pattern: str) -> dict[str, str]:
        """``{branch name: commit}`` of local branches matching a for-each-ref pattern."""
        out = self.run(
            "for-each-ref", "--format=%(refname:strip=2)%00%(objectname)", f"refs/heads/{pattern}"
        )
        rows = (line.split("\0") for line in out.splitlines() if "\0" in line)
        return {name: oid for name, oid in rows}

    def update_ref(self, ref: str, new: str, old: str | None, *, reason: str = "ap") -> bool:
        """Move ``ref`` to ``new`` only if it is at ``old`` (None: only if it doesn't exist).

        The compare-and-swap every state change of ap goes through; False when the
        ref was not where we expected (somebody else moved it first).
        """
        proc = self.run_bytes("update-ref", "-m", reason, ref, new, old or ZERO_OID, check=False)
        if proc.returncode == 0:
            return True
        current = self.rev_parse(ref)
        if current != (old or None):
            return False
        raise GitCommandFailed(
            f"git update-ref {ref} failed: {proc.stderr.decode().strip()}", hint=GIT_FAILED_HINT
        )

    def update_refs(self, moves: Sequence[tuple[str, str, str | None]]) -> bool:
        """Move every ref of ``(ref, new, old)`` (old None: create it) in one transaction:
        all or none; False when it did not happen (a ref was not where expected)."""
        script = "".join(
            f"create {ref} {new}\n" if old is None else f"update {ref} {new} {old}\n"
            for ref, new, old in moves
        )
        proc = self.run_bytes(
            "update-ref", "-m", "ap", "--stdin", input=script.encode(), check=False
        )
        return proc.returncode == 0

    def create_refs(self, refs: Mapping[str, str]) -> set[str]:
        """Create the refs that don't exist yet (``{ref: commit}``); the ones this call made.

        One transaction when none exists (the usual case); one by one when some
        already do (an interrupted start, or another process racing).
        """
        if not refs:
            return set()
        if self.update_refs([(ref, oid, None) for ref, oid in refs.items()]):
            return set(refs)
        return {ref for ref, oid in refs.items() if self.update_ref(ref, oid, None)}

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        proc = self.run_bytes("merge-base", "--is-ancestor", ancestor, rev, check=False)
        return proc.returncode == 0

    def containing(self, commit: str, refs: Sequence[str]) -> set[str] | None:
        """Which of ``refs`` contain ``commit``, with one process; None when it is unknown."""
        if not refs:
            return set()
        proc = self.run_bytes(
            "for-each-ref", "--contains", commit, "--format=%(refname)", *refs, check=False
        )
        if proc.returncode != 0:
            return None
        return set(proc.stdout.decode(errors="surrogateescape").splitlines()) & set(refs)

    def merge_base(self, one: str, other: str) -> str:
        """The best common ancestor of two commits (GitCommandFailed when they share none)."""
        return self.run("merge-base", one, other).strip()

    def refs_under(self, prefix: str) -> list[str]:
        """The full names of the refs below ``prefix`` (e.g. ``refs/ap/attempts/``)."""
        return self.run("for-each-ref", "--format=%(refname)", prefix).split()

    def delete_ref(self, ref: str) -> None:
        """Delete ``ref`` (whatever it points at)."""
        self.run("update-ref", "-d", ref)

    def head_ref(self) -> str | None:
        """The ref HEAD names (``refs/heads/...``), or None when HEAD is detached."""
        proc = self.run_bytes("symbolic-ref", "--quiet", "HEAD", check=False)
        return (
            proc.stdout.decode(errors="replace").strip() or None if proc.returncode == 0 else None
        )

    def detach_head(self, commit: str, reason: str) -> None:
        """Point HEAD at ``commit`` itself, leaving the branch, index and files as they are."""
        self.run_bytes("update-ref", "--no-deref", "-m", reason, "HEAD", commit, check=False)

    def reflog_newest(self, ref: str) -> tuple[str, str] | None:
        """The newest entry of ``ref``'s reflog: ``(commit, message)``, or None."""
        proc = self.run_bytes("log", "-g", "-1", "--format=%H%x00%gs", ref, check=False)
        commit, sep, message = proc.stdout.decode(errors="replace").strip().partition("\0")
        return (commit, message) if proc.returncode == 0 and sep else None
