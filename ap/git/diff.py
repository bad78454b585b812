"""Diffs: what changed between trees (rename detection off), and merges without a work tree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from ap.git.errors import GitCommandFailed, GitTooOld
from ap.git.runner import FSCK_HINT, GIT_FAILED_HINT, GitBase, _cannot_run, _env, _Spawned


class DiffEntry(NamedTuple):
    """One record of ``git diff --raw --no-renames``: modes, blob ids, status and path."""

    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str
    status: str
    path: str


class MergeResult(NamedTuple):
    """What ``git merge-tree --write-tree`` made of two commits."""

    tree: str
    conflicts: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _raw_args(revs: Sequence[str], cached: bool) -> list[str]:
    args = ["diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff"]
    return [*args, *(["--cached"] if cached else []), *revs, "--"]


def _parse_raw(out: bytes) -> list[DiffEntry]:
    fields = out.split(b"\0")
    entries = []
    for i in range(0, len(fields) - 1, 2):
        meta = fields[i].decode()
        if not meta.startswith(":"):
            break
        old_mode, new_mode, old_oid, new_oid, status = meta[1:].split()
        path = fields[i + 1].decode(errors="surrogateescape")
        entries.append(DiffEntry(old_mode, new_mode, old_oid, new_oid, status[:1], path))
    return entries


def _parse_numstat(out: bytes) -> list[tuple[int, int, str]]:
    rows = []
    for record in out.split(b"\0"):
        parts = record.decode(errors="surrogateescape").split("\t", 2)
        if len(parts) == 3:
            added, deleted, path = parts
            rows.append(
                (
                    int(added) if added.isdigit() else 0,
                    int(deleted) if deleted.isdigit() else 0,
                    path,
                )
            )
    return rows


class Diff(GitBase):
    """Comparing trees, and merging them."""

    def merge_tree(self, ours: str, theirs: str) -> MergeResult:
        """Merge two commits without touching any work tree; directory renames are off."""
        proc = self.run_bytes(
            "-c",
            "merge.directoryRenames=false",
            "merge-tree",
            "--write-tree",
            "--name-only",
            "-z",
            "--no-messages",
            ours,
            theirs,
            check=False,
        )
        if proc.returncode not in (0, 1):
            err = proc.stderr.decode(errors="replace").strip()
            # (a git before 2.38 knows no --write-tree: it prints its usage)
            kind = GitTooOld if "usage:" in err or "unknown option" in err else GitCommandFailed
            raise kind(
                f"git merge-tree failed: {err}",
                hint="ap needs git 2.38 or later (`git --version`); " + GIT_FAILED_HINT,
            )
        fields = proc.stdout.split(b"\0")
        tree = fields[0].decode().strip()
        conflicts = tuple(
            dict.fromkeys(f.decode(errors="surrogateescape") for f in fields[1:] if f)
        )
        return MergeResult(tree, conflicts if proc.returncode == 1 else ())

    def diff_raw(self, *revs: str, cached: bool = False) -> list[DiffEntry]:
        """Every changed path, rename detection off: between two trees, or index vs a tree."""
        return _parse_raw(self.run_bytes(*_raw_args(revs, cached)).stdout)

    def diff_raw_later(self, *revs: str, cached: bool = False) -> Callable[[], list[DiffEntry]]:
        """:meth:`diff_raw` started now; the callable waits for it (the hook works meanwhile)."""
        try:
            child = _Spawned(_raw_args(revs, cached), self._root, _env(self.env))
        except OSError as exc:
            raise _cannot_run(exc, self._root) from None

        def result() -> list[DiffEntry]:
            code, out, err = child.finish()
            if code != 0:
                detail = err.decode(errors="replace").strip() or f"exit {code}"
                raise GitCommandFailed(f"git diff --raw failed: {detail}", hint=GIT_FAILED_HINT)
            return _parse_raw(out)

        return result

    def diff_raw_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[list[DiffEntry]]:
        """:meth:`diff_raw` of many ``(old, new)`` commit pairs through one ``git diff-tree``."""
        return [_parse_raw(block) for block in self._diff_tree(pairs, "--raw", "--no-abbrev")]

    def numstat_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[list[tuple[int, int, str]]]:
        """:meth:`numstat` of many ``(old, new)`` commit pairs through one ``git diff-tree``."""
        return [_parse_numstat(block) for block in self._diff_tree(pairs, "--numstat")]

    def _diff_tree(self, pairs: Sequence[tuple[str, str]], *fmt: str) -> list[bytes]:
        """One output block per pair, in order (``--always``: an empty diff has its header).

        ``diff-tree --stdin`` reads ``COMMIT PARENT`` lines, so each pair goes in as
        ``new old``; each block starts with a field holding the new commit's id.
        """
        if not pairs:
            return []
        script = "".join(f"{new} {old}\n" for old, new in pairs).encode()
        out = self.run_bytes(
            "diff-tree", "--stdin", "--always", "-r", "-z", "--no-renames", *fmt, input=script
        ).stdout
        heads = {new.encode() for _, new in pairs}
        raw = "--raw" in fmt
        blocks: list[bytes] = []
        fields = out.split(b"\0")
        i = 0
        while i < len(fields):
            field = fields[i]
            if raw and field.startswith(b":") and blocks:  # a record: metadata, then its path
                blocks[-1] += field + b"\0" + fields[i + 1] + b"\0"
                i += 2
                continue
            if field in heads:
                blocks.append(b"")
            elif field and blocks:
                blocks[-1] += field + b"\0"
            i += 1
        if len(blocks) != len(pairs):
            raise GitCommandFailed(
                f"git diff-tree --stdin gave {len(blocks)} diffs for {len(pairs)} pairs",
                hint=FSCK_HINT,
            )
        return blocks

    def numstat(self, old: str, new: str) -> list[tuple[int, int, str]]:
        """``(insertions, deletions, path)`` per changed file (binary files count 0)."""
        return _parse_numstat(
            self.run_bytes("diff", "--numstat", "-z", "--no-renames", old, new).stdout
        )

    def changed_paths(self, old: str, new: str) -> list[str]:
        """The paths that differ between two commits (rename detection off); none when
        git cannot tell."""
        out = self.run_bytes(
            "diff", "--name-only", "-z", "--no-renames", old, new, check=False
        ).stdout
        return [p for p in out.decode(errors="surrogateescape").split("\0") if p]
