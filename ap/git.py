"""The one module that runs git. Everything else asks a :class:`Git` object.

Plain ``git`` subprocesses keep the hook path fast and give access to plumbing
(``merge-tree --write-tree``, ``update-ref`` compare-and-swap) that porcelain
wrappers don't model. Failures become :class:`~ap.errors.GitError` with a hint.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ap.errors import GitError

# A stable, non-interactive environment for every git call we make.
_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(_BASE_ENV)
    if extra:
        env.update(extra)
    return env


def find_root(start: Path | str | None = None) -> Path:
    """The top of the work tree containing ``start`` (default: the current directory)."""
    cwd = Path(start) if start is not None else Path.cwd()
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed", hint="install git and try again") from exc
    except NotADirectoryError as exc:
        raise GitError(f"{cwd} is not a directory") from exc
    if proc.returncode != 0:
        raise GitError(
            f"{cwd} is not inside a git repository",
            hint="run `git init` first, or `ap -C PATH ...` to point at a repository",
        )
    return Path(proc.stdout.decode().strip())


class Git:
    """A git repository (work tree) and the operations ap needs on it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @classmethod
    def discover(cls, start: Path | str | None = None) -> Git:
        return cls(find_root(start))

    # -- running ---------------------------------------------------------

    def run_bytes(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git ARGS`` and return the completed process (raises GitError on failure)."""
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd or self.root,
            input=input,
            capture_output=True,
            env=_env(env),
            check=False,
        )
        if check and proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip()
            detail = err or f"exit {proc.returncode}"
            raise GitError(f"git {' '.join(args[:3])} failed: {detail}")
        return proc

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        cwd: Path | None = None,
    ) -> str:
        """Run ``git ARGS`` and return stdout as text."""
        data = input.encode() if input is not None else None
        proc = self.run_bytes(*args, input=data, env=env, check=check, cwd=cwd)
        return proc.stdout.decode(errors="surrogateescape")

    # -- reading ---------------------------------------------------------

    def rev_parse(self, rev: str) -> str | None:
        """The commit id ``rev`` names, or None when it names nothing."""
        proc = self.run_bytes("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip()

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository without commits."""
        return self.rev_parse("HEAD")

    def current_branch(self) -> str | None:
        """The checked-out branch name, or None when HEAD is detached."""
        proc = self.run_bytes("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip()

    def git_dir(self) -> Path:
        """The repository's common git directory (shared by all worktrees)."""
        out = self.run("rev-parse", "--git-common-dir").strip()
        path = Path(out)
        return path if path.is_absolute() else (self.root / path).resolve()

    def ls_files(self, rev: str | None = None) -> list[str]:
        """Tracked paths: of the index, or of the tree of ``rev``."""
        if rev is None:
            out = self.run_bytes("ls-files", "-z").stdout
        else:
            out = self.run_bytes("ls-tree", "-r", "-z", "--name-only", rev).stdout
        return [p.decode(errors="surrogateescape") for p in out.split(b"\0") if p]

    def show_file(self, rev: str, path: str) -> str | None:
        """The content of ``path`` at ``rev``, or None when it doesn't exist there."""
        proc = self.run_bytes("show", f"{rev}:{path}", check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode(errors="replace")

    def is_clean(self) -> bool:
        return self.run("status", "--porcelain").strip() == ""

    def check_ref_format(self, name: str) -> bool:
        """Whether ``name`` is a valid branch name."""
        proc = self.run_bytes("check-ref-format", "--branch", name, check=False)
        return proc.returncode == 0

    def tree_id(self, rev: str = "HEAD") -> str | None:
        """The tree id of ``rev``, or None when it names nothing."""
        proc = self.run_bytes("rev-parse", "--verify", "--quiet", f"{rev}^{{tree}}", check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def ls_tree(self, rev: str = "HEAD") -> list[tuple[str, str, str]]:
        """``(mode, blob id, path)`` of every file in the tree of ``rev``."""
        out = self.run_bytes("ls-tree", "-r", "-z", "--full-tree", rev).stdout
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, oid = meta.decode().split()
            if kind == "blob":
                entries.append((mode, oid, path.decode(errors="surrogateescape")))
        return entries

    def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        """The contents of many blobs through one ``git cat-file --batch`` process."""
        if not oids:
            return {}
        data = self.run_bytes("cat-file", "--batch", input="\n".join(oids).encode() + b"\n").stdout
        blobs: dict[str, bytes] = {}
        pos = 0
        while pos < len(data):
            header_end = data.index(b"\n", pos)
            header = data[pos:header_end].decode().split()
            pos = header_end + 1
            if len(header) < 3 or header[1] == "missing":
                continue
            size = int(header[2])
            blobs[header[0]] = data[pos : pos + size]
            pos += size + 1
        return blobs

    def log_files(
        self, rev: str = "HEAD", *, max_count: int = 2000
    ) -> list[tuple[int, str, list[str]]]:
        """``(commit time, subject and body, paths)`` of recent non-merge commits, newest first."""
        if self.rev_parse(rev) is None:
            return []
        out = self.run_bytes(
            "log",
            "--no-merges",
            "--no-renames",
            f"--max-count={max_count}",
            "--name-only",
            "-z",
            "--format=%x1e%ct%x1f%B%x1f",
            rev,
        ).stdout.decode(errors="replace")
        commits = []
        for record in out.split("\x1e"):
            if not record.strip():
                continue
            stamp, message, files = [*record.split("\x1f", 2), "", ""][:3]
            paths = [p.strip("\n") for p in files.split("\0") if p.strip("\n")]
            commits.append((int(stamp or 0), message.strip(), paths))
        return commits

    # -- writing ---------------------------------------------------------

    def add(self, paths: Sequence[str]) -> None:
        if paths:
            self.run("add", "--", *paths)
