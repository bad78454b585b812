"""The repository: finding it, where its git directory is, its config, and :class:`Git`,
the one object through which ap runs git."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from ap.git.diff import Diff
from ap.git.errors import NotARepository
from ap.git.history import History
from ap.git.remotes import Remotes
from ap.git.runner import _env, _failed, _path, _Spawned, run_git
from ap.git.worktrees import Worktrees

if TYPE_CHECKING:
    from pathlib import Path


def find_root(start: Path | str | None = None) -> Path:
    """The top of the work tree containing ``start`` (default: the current directory)."""
    cwd = os.fspath(start) if start is not None else os.getcwd()
    proc = run_git(["rev-parse", "--show-toplevel"], cwd, _env())
    if proc.returncode != 0:
        raise NotARepository(
            f"{cwd} is not inside a git repository",
            hint="run `git init` first, or `ap -C PATH ...` to point at a repository",
        )
    return _path(proc.stdout.decode().strip())


class Location(NamedTuple):
    """Where a command runs: the work tree's top, the common git dir, the checked-out branch."""

    root: str
    common_dir: str
    branch: str | None


# Set, they change how git finds a repository: then git itself answers.
_DISCOVERY_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)


def own_git_dir(top: str) -> str | None:
    """A work tree's own git directory, read off its ``.git`` (a folder, or a linked
    worktree's ``gitdir:`` file); None when there is neither."""
    dot_git = os.path.join(top, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    text = _read_text(dot_git)
    if text is None or not text.startswith("gitdir: "):
        return None
    return os.path.join(top, text.splitlines()[0][len("gitdir: ") :].strip())


def common_of(git_dir: str) -> str | None:
    """The common git directory of a work tree's own one (a linked worktree's names it in
    ``commondir``); None when that file is there but cannot be read."""
    commondir = os.path.join(git_dir, "commondir")
    shared = _read_text(commondir)
    if shared is None:
        return None if os.path.lexists(commondir) else git_dir
    return os.path.join(git_dir, shared.splitlines()[0].strip())


def _git_dir_of(here: str) -> tuple[str, str] | None:
    """The work tree's top above ``here`` and its own git dir, or None."""
    top = here
    while not os.path.lexists(os.path.join(top, ".git")):
        parent = os.path.dirname(top)
        if parent == top:
            return None
        top = parent
    own = own_git_dir(top)
    return None if own is None else (top, os.path.realpath(own))


def _unusual(config: str | None) -> bool:
    """A config that may move the work tree (``core.worktree``, a bare repository, per-worktree
    config): git itself answers then."""
    if config is None:
        return False
    lowered = config.lower()
    return "worktree" in lowered or any(
        line.replace(" ", "").replace("\t", "") == "bare=true" for line in lowered.splitlines()
    )


def _head_branch(git_dir: str) -> tuple[bool, str | None]:
    """Whether HEAD could be read, and the branch it is on (None: detached)."""
    head = (_read_text(os.path.join(git_dir, "HEAD")) or "").strip()
    if head.startswith("ref: "):
        ref = head[len("ref: ") :]
        return True, ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return len(head) in (40, 64), None


def _read_location(cwd: str) -> Location | None:
    """The plain case read from the files git itself reads (no process: the hook's budget
    is tight): a work tree found above ``cwd``, no discovery variable set, no
    ``core.worktree``. None whenever in doubt: git answers then."""
    if any(name in os.environ for name in _DISCOVERY_ENV):
        return None
    here = os.path.realpath(cwd)
    found = _git_dir_of(here)
    if found is None:
        return None
    top, git_dir = found
    if here == git_dir or here.startswith(git_dir + os.sep):
        return None  # inside the git dir: not a work tree
    common = common_of(git_dir)
    if common is None:
        return None
    common = os.path.realpath(common)
    configs = {os.path.join(git_dir, "config"), os.path.join(common, "config")}
    if any(_unusual(_read_text(c)) for c in configs):
        return None
    readable, branch = _head_branch(git_dir)
    return Location(top, common, branch) if readable else None


def locate(start: str | None = None) -> Location | None:
    """The work tree's top, the common git dir and the branch: read from git's files in the
    plain case, else with one git process; None when neither tells."""
    cwd = start if start is not None else os.getcwd()
    found = _read_location(cwd)
    if found is not None:
        return found
    try:
        code, out, _ = _Spawned(
            ["rev-parse", "--show-toplevel", "--git-common-dir", "--symbolic-full-name", "HEAD"],
            cwd,
            _env(),
        ).finish()
    except OSError:
        return None
    lines = out.decode(errors="surrogateescape").splitlines()
    if code != 0 or len(lines) != 3:
        return None
    root = lines[0]
    common = lines[1] if os.path.isabs(lines[1]) else os.path.realpath(os.path.join(cwd, lines[1]))
    branch = lines[2].removeprefix("refs/heads/") if lines[2].startswith("refs/heads/") else None
    return Location(root, common, branch)


class Git(Worktrees, Remotes, History, Diff):
    """A git repository (work tree) and the operations ap needs on it."""

    _git_dir: Path | None = None

    def with_index(self, index: Path) -> Git:
        """The same repository, with every command using another index file."""
        return Git(self._root, {**self.env, "GIT_INDEX_FILE": str(index)})

    def at(self, worktree: Path | str) -> Git:
        """The same repository seen from another of its work trees."""
        return Git(worktree, self.env)

    @classmethod
    def discover(cls, start: Path | str | None = None) -> Git:
        return cls(find_root(start))

    @classmethod
    def init(cls, folder: Path, branch: str) -> Git:
        """A new repository at ``folder`` whose first branch is ``branch``."""
        where = os.path.abspath(folder)
        proc = run_git(["init", "-q", "-b", branch, where], os.path.dirname(where), _env())
        if proc.returncode != 0:
            raise _failed(["init"], proc.stderr.decode(errors="replace").strip())
        return cls(where)

    def git_dir(self) -> Path:
        """The repository's common git directory (shared by all worktrees; asked once)."""
        if self._git_dir is None:
            own = self._dot_git()
            common = common_of(str(own)) if own is not None else None
            if common is not None:
                self._git_dir = _path(common).resolve()
            else:
                out = self.run("rev-parse", "--git-common-dir").strip()
                path = _path(out)
                self._git_dir = path if path.is_absolute() else (self.root / path).resolve()
        return self._git_dir

    def is_clean(self) -> bool:
        return self.run("status", "--porcelain").strip() == ""

    def config(self, key: str) -> str | None:
        proc = self.run_bytes("config", "--get", key, check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def git_path(self, name: str) -> Path:
        """``git rev-parse --git-path NAME`` as an absolute path (honours core.hooksPath)."""
        out = self.run("rev-parse", "--git-path", name).strip()
        path = _path(out)
        return path if path.is_absolute() else (self.root / path)

    def index_path(self) -> Path:
        """The work tree's index file: read off its ``.git`` (a folder, or a linked
        worktree's ``gitdir:`` file), else asked of git."""
        own = None if "GIT_INDEX_FILE" in {**os.environ, **self.env} else self._dot_git()
        return own / "index" if own is not None else self.git_path("index")

    def _dot_git(self) -> Path | None:
        """The work tree's own git directory, read off its ``.git`` (a folder, or a linked
        worktree's ``gitdir:`` file); None when the environment points git elsewhere."""
        env = {**os.environ, **self.env}
        if any(k in env for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")):
            return None
        own = own_git_dir(str(self._root))
        return None if own is None else _path(own)

    def add(self, paths: Sequence[str]) -> None:
        if paths:
            self.run("add", "--", *paths)

    def add_all(self) -> None:
        """Stage every change of the work tree (``git add -A``) in this Git's index."""
        self.run("add", "-A")

    def set_config(self, key: str, value: str) -> None:
        """Set ``key`` in the repository's own config."""
        self.run("config", key, value)

    def commit(self, message: str) -> None:
        """Commit what is staged, hooks and all (``git commit``)."""
        self.run("commit", "-q", "-m", message)

    def write_tree(self) -> str:
        """The tree of this Git's index, written to the object store."""
        return self.run("write-tree").strip()

    # -- worktree records, read without a git process (as git itself reads them) --

    def worktree_locks(self, prefix: str) -> dict[str, str | None]:
        """``{record: lock reason, or None}`` of the linked worktrees whose record (named
        after the worktree's folder) starts with ``prefix``."""
        records = os.path.join(self.git_dir(), "worktrees")
        try:
            names = [n for n in os.listdir(records) if n.startswith(prefix)]
        except OSError:
            return {}
        return {name: _read_text(os.path.join(records, name, "locked")) for name in names}

    def maybe_checked_out(self, branch: str) -> bool:
        """Whether some worktree's HEAD file names ``branch``; True when unsure (then
        :meth:`worktrees` says for certain, at the cost of a process)."""
        common = self.git_dir()
        symref = f"ref: refs/heads/{branch}"
        try:
            linked = [d / "HEAD" for d in (common / "worktrees").iterdir() if d.is_dir()]
        except FileNotFoundError:
            linked = []
        except OSError:
            return True
        for head in (common / "HEAD", *linked):
            try:
                text = head.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                continue  # a worktree being added or removed
            except (OSError, UnicodeDecodeError):
                return True
            if text in (symref, "ref: refs/heads/.invalid"):  # (.invalid: HEAD is in a reftable)
                return True
        return False


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None
