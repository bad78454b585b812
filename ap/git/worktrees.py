"""Worktrees: adding, checking out, cleaning, listing and removing linked work trees."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ap.git.errors import GitCommandFailed, WorktreeBusy
from ap.git.runner import GitBase, _path

if TYPE_CHECKING:
    from pathlib import Path

# What git says when it reads a worktree's records while another process writes them.
_WORKTREE_RACE = r"failed to read .*worktrees/.*(commondir|gitdir)|worktrees/.*: No such file"


class Worktree(NamedTuple):
    """One of ``git worktree list``: where, which branch, why locked (None: not locked)."""

    path: Path
    branch: str | None
    locked: str | None


class Worktrees(GitBase):
    """The linked work trees of the repository."""

    def worktree_add(
        self,
        path: Path,
        rev: str,
        *,
        branch: str | None = None,
        checkout: bool = True,
        lock: str | None = None,
    ) -> None:
        """A linked worktree at ``path``; with ``checkout=False`` its files come later;
        ``lock``: the reason it is locked with (``git worktree prune`` then keeps it).

        ``git worktree add`` reads the other worktrees' records, so two at once can
        trip on each other: ap serialises its own adds, and retries a failure that
        says so (another program may be adding one).
        """
        where = ["--detach", str(path), rev] if branch is None else [str(path), branch]
        options = [*([] if checkout else ["--no-checkout"])]
        if lock is not None:
            options += ["--lock", "--reason", lock]
        self._worktree_command(None, "worktree", "add", "--quiet", *options, *where)

    def checkout_worktree(self, path: Path, branch: str) -> None:
        """Check ``branch`` out in the worktree at ``path`` (its index and files; hooks run),
        overwriting local changes to tracked files."""
        self._worktree_command(path, "checkout", "--force", "--quiet", branch, "--")

    def clean_worktree(self, path: Path) -> None:
        """Delete every file of the worktree at ``path`` that its index does not track
        (untracked, ignored, nested repositories). A later ``checkout --force`` makes
        the tracked and staged ones exactly the branch checked out."""
        self.run("clean", "-ffdxq", cwd=path)

    def _worktree_command(self, cwd: Path | None, *args: str) -> None:
        """Run a command that reads every worktree's records, retrying the race with an add."""
        import re
        import time

        for attempt in range(3):
            proc = self.run_bytes(*args, check=False, cwd=cwd)
            if proc.returncode == 0:
                return
            err = proc.stderr.decode(errors="replace").strip()
            raced = re.search(_WORKTREE_RACE, err) is not None
            if attempt == 2 or not raced:
                raise (WorktreeBusy if raced else GitCommandFailed)(
                    f"git {' '.join(args[:3])} failed: {err or proc.returncode}",
                    hint="`git worktree list` shows the worktrees; "
                    "`git worktree prune` forgets removed ones",
                )
            time.sleep(0.05 * (attempt + 1))

    def worktree_remove(self, path: Path) -> None:
        """Remove a worktree of ap's (even a locked one) and forget it."""
        self.run_bytes("worktree", "remove", "--force", "--force", str(path), check=False)
        self.run_bytes("worktree", "prune", check=False)

    def worktrees(self) -> list[Worktree]:
        """Every worktree: its path, checked-out branch (or None) and lock reason (or None)."""
        out = self.run("worktree", "list", "--porcelain")
        rows: list[Worktree] = []
        for block in out.split("\n\n"):
            path, branch, locked = None, None, None
            for line in block.splitlines():
                if line.startswith("worktree "):
                    path = _path(line[len("worktree ") :])
                elif line.startswith("branch refs/heads/"):
                    branch = line[len("branch refs/heads/") :]
                elif line == "locked" or line.startswith("locked "):
                    locked = line[len("locked ") :]
            if path is not None:
                rows.append(Worktree(path, branch, locked))
        return rows

    def prune_worktrees(self) -> None:
        """Have git forget the worktrees whose folders are gone."""
        self.run_bytes("worktree", "prune", check=False)

    # -- in this work tree (``Git.at(path)`` for another one) -------------------

    def has_work(self) -> bool:
        """Changed tracked files, or untracked ones not ignored (True when git cannot tell)."""
        proc = self.run_bytes("status", "--porcelain", "-z", check=False)
        return proc.returncode != 0 or bool(proc.stdout.strip(b"\0"))

    def stash_create(self, message: str) -> str | None:
        """A commit of the uncommitted work (``git stash create``; no ref, files untouched),
        or None when there is none."""
        proc = self.run_bytes("stash", "create", message, check=False)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def checkout_merging(self, branch: str) -> bool:
        """Switch to ``branch`` carrying the local changes over (``checkout --merge``);
        whether it went (when not, nothing changed)."""
        proc = self.run_bytes("checkout", "--merge", "--quiet", branch, check=False)
        return proc.returncode == 0

    def fast_forward(self, commit: str) -> None:
        """Move the checked-out branch, index and files forward to ``commit``, a descendant
        of it (``merge --ff-only``; raises GitError when it is not one)."""
        self.run_bytes("merge", "--ff-only", "--quiet", commit)

    def reset_index(self, commit: str) -> None:
        """Move the checked-out branch and the index to ``commit``; files stay as they are."""
        self.run_bytes("reset", "--quiet", commit, check=False)

    def restore_path(self, commit: str, path: str) -> bool:
        """``path``'s file (index and work tree) as in ``commit``; False when it has none."""
        return self.run_bytes("checkout", commit, "--", path, check=False).returncode == 0

    def untracked(self, *pathspecs: str) -> list[str]:
        """The untracked files not ignored under ``pathspecs`` (none when git cannot tell)."""
        proc = self.run_bytes(
            "ls-files", "-z", "--others", "--exclude-standard", "--", *pathspecs, check=False
        )
        if proc.returncode != 0:
            return []
        return [p.decode("utf-8", "replace") for p in proc.stdout.split(b"\0") if p]
