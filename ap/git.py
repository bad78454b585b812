"""The one module that runs git. Everything else asks a :class:`Git` object.

Plain ``git`` subprocesses keep the hook path fast and give access to plumbing
(``merge-tree --write-tree``, ``update-ref`` compare-and-swap) that porcelain
wrappers don't model. Failures become :class:`~ap.core.errors.GitError` with a hint.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple

from ap.core.errors import GitError

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

ZERO_OID = "0" * 40
# What git says when it reads a worktree's records while another process writes them.
_WORKTREE_RACE = r"failed to read .*worktrees/.*(commondir|gitdir)|worktrees/.*: No such file"
Stored = tuple[str, str]  # (mode, object id) of a tree entry
# Hints of git failures: git's own message says why; these say where to look next.
GIT_FAILED_HINT = "git's message says why; `git status` shows the repository's state"
FSCK_HINT = "`git fsck` checks the repository for missing or damaged objects"


def _path(text: str | os.PathLike[str]) -> Path:
    """A Path; pathlib is loaded only when one is needed (not on the hook path)."""
    from pathlib import Path

    return Path(text)


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
    import subprocess

    cwd = _path(start) if start is not None else _path(os.getcwd())
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except OSError as exc:
        raise _cannot_run(exc, cwd) from None
    if proc.returncode != 0:
        raise GitError(
            f"{cwd} is not inside a git repository",
            hint="run `git init` first, or `ap -C PATH ...` to point at a repository",
        )
    return _path(proc.stdout.decode().strip())


# What git says when it has no name or email for a commit (auto-detection failed or is off).
_NO_IDENTITY = (
    "Please tell me who you are",
    "identity unknown",
    "unable to auto-detect email address",
    "empty ident name",
    "auto-detection is disabled",
)


def _failed(args: Sequence[str], detail: str) -> GitError:
    """A failed git command as an error for people (a missing identity said plainly)."""
    if any(sign in detail for sign in _NO_IDENTITY):
        return GitError(
            "git needs your name and email to make commits, and none is configured "
            "(user.name and user.email)",
            hint='git config --global user.name "Your Name" && '
            'git config --global user.email "you@example.com"',
        )
    return GitError(f"git {' '.join(args[:3])} failed: {detail}", hint=GIT_FAILED_HINT)


def _cannot_run(exc: OSError, cwd: str | os.PathLike[str]) -> GitError:
    """Why git could not even start: no such folder to run in, or no git."""
    if not os.path.isdir(cwd):
        return GitError(
            f"{os.fspath(cwd)} is not a directory (it may have been removed)",
            hint="run ap again from a folder of the repository, or with -C PATH",
        )
    return GitError(f"git could not be run: {exc.strerror}", hint="install git and try again")


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


def parse_trailers(message: str) -> dict[str, str]:
    """The ``Key: value`` trailers of a commit message's last paragraph (last one wins)."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return {}
    trailers: dict[str, str] = {}
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key.strip():
            return {}
        trailers[key.strip()] = value.strip()
    return trailers


class Worktree(NamedTuple):
    """One of ``git worktree list``: where, which branch, why locked (None: not locked)."""

    path: Path
    branch: str | None
    locked: str | None


class Location(NamedTuple):
    """Where a command runs: the work tree's top, the common git dir, the checked-out branch."""

    root: str
    common_dir: str
    branch: str | None


def locate(start: str | None = None) -> Location | None:
    """All three with one git process (the hook's budget is tight); None when that fails."""
    cwd = start if start is not None else os.getcwd()
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


class _Spawned:
    """A git process started with ``os.posix_spawnp``, its output read through pipes.

    The hook runs git twice and must start fast: this spares it loading the
    ``subprocess`` module (and what that loads). Elsewhere :meth:`Git.run_bytes`.
    """

    def __init__(self, args: Sequence[str], cwd: str, env: Mapping[str, str]) -> None:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2),
        ]
        try:
            self.pid = os.posix_spawnp("git", ["git", "-C", cwd, *args], env, file_actions=actions)
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        self._fds = {out_r: bytearray(), err_r: bytearray()}
        self._out, self._err = out_r, err_r

    def finish(self) -> tuple[int, bytes, bytes]:
        """Wait for the process: its exit code, standard output and standard error."""
        import select

        poller = select.poll()
        for fd in self._fds:
            poller.register(fd, select.POLLIN)
        open_fds = set(self._fds)
        try:
            while open_fds:
                for fd, _ in poller.poll():
                    chunk = os.read(fd, 1 << 16)
                    if chunk:
                        self._fds[fd] += chunk
                    else:
                        poller.unregister(fd)
                        open_fds.discard(fd)
        finally:
            for fd in self._fds:
                os.close(fd)
            _, status = os.waitpid(self.pid, 0)
        return (
            os.waitstatus_to_exitcode(status),
            bytes(self._fds[self._out]),
            bytes(self._fds[self._err]),
        )


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


def _parents(commit: bytes) -> list[str]:
    """The parent ids in a raw commit object's header."""
    header = commit.partition(b"\n\n")[0]
    return [line[7:].decode() for line in header.split(b"\n") if line.startswith(b"parent ")]


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


class _ObjectReader:
    """One ``git cat-file --batch`` kept open for a :class:`Git`'s lifetime (thread-safe).

    A long-running reader sees objects written after it started (git looks for
    loose objects and new packs when an object is not where it last looked).
    """

    def __init__(self, cwd: str, env: dict[str, str]) -> None:
        import subprocess
        import threading
        import weakref

        self._lock = threading.Lock()
        self._proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        weakref.finalize(self, _ObjectReader._close, self._proc)

    CHUNK = 256  # names written before their answers are read (well under a pipe's buffer)

    def read(self, names: Sequence[str]) -> list[tuple[str, str, bytes] | None]:
        """``(id, type, content)`` of each object named, or None when there is none."""
        if any("\n" in name for name in names):
            raise GitError(
                "an object name with a line break cannot be read",
                hint="name the revision without a line break",
            )
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        found: list[tuple[str, str, bytes] | None] = []
        with self._lock:
            for at in range(0, len(names), self.CHUNK):
                chunk = names[at : at + self.CHUNK]
                try:
                    proc.stdin.write(
                        b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in chunk)
                    )
                    proc.stdin.flush()
                    for _ in chunk:
                        found.append(self._answer(proc.stdout))
                except (OSError, ValueError) as exc:
                    raise GitError(f"git cat-file --batch failed: {exc}", hint=FSCK_HINT) from None
        return found

    @staticmethod
    def _answer(out: IO[bytes]) -> tuple[str, str, bytes] | None:
        header = out.readline().split()
        if not header:
            raise GitError("git cat-file --batch stopped", hint=FSCK_HINT)
        if len(header) != 3:  # "<name> missing" or "<name> ambiguous"
            return None
        data = out.read(int(header[2]) + 1)[:-1]
        return header[0].decode(), header[1].decode(), data

    @staticmethod
    def _close(proc: subprocess.Popen[bytes]) -> None:
        import contextlib

        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


class Git:
    """A git repository (work tree) and the operations ap needs on it."""

    def __init__(self, root: Path | str, env: Mapping[str, str] | None = None) -> None:
        self._root = os.fspath(root)
        self.env = dict(env or {})
        self._git_dir: Path | None = None
        self._reader: _ObjectReader | None = None

    @property
    def root(self) -> Path:
        """The top of the work tree."""
        return _path(self._root)

    def with_index(self, index: Path) -> Git:
        """The same repository, with every command using another index file."""
        return Git(self._root, {**self.env, "GIT_INDEX_FILE": str(index)})

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
        import subprocess

        try:
            proc = subprocess.run(
                ["git", *args],
                cwd=cwd or self._root,
                input=input,
                capture_output=True,
                env=_env({**self.env, **(env or {})}),
                check=False,
            )
        except OSError as exc:
            raise _cannot_run(exc, cwd or self._root) from None
        if check and proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip()
            raise _failed(args, err or f"exit {proc.returncode}")
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

    def git_dir(self) -> Path:
        """The repository's common git directory (shared by all worktrees; asked once)."""
        if self._git_dir is None:
            own = self._dot_git()
            if own is not None:  # a linked worktree's names the common one in "commondir"
                try:
                    with open(own / "commondir", encoding="utf-8") as handle:
                        own = own / handle.readline().strip()
                except FileNotFoundError:
                    pass
                self._git_dir = own.resolve()
            else:
                out = self.run("rev-parse", "--git-common-dir").strip()
                path = _path(out)
                self._git_dir = path if path.is_absolute() else (self.root / path).resolve()
        return self._git_dir

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

    def show_files(self, rev: str, paths: Sequence[str]) -> dict[str, str | None]:
        """:meth:`show_file` of many paths at one commit, through the open object reader."""
        if not paths:
            return {}
        names = [f"{rev}:{p}" for p in paths]
        if any("\n" in name for name in names):
            return {p: self.show_file(rev, p) for p in paths}
        return {
            path: obj[2].decode(errors="replace") if obj and obj[1] == "blob" else None
            for path, obj in zip(paths, self.read_objects(names), strict=True)
        }

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

    def grep_word(self, word: str, rev: str = "HEAD") -> list[str]:
        """The paths of ``rev``'s tree that contain ``word`` as a whole word (fixed string)."""
        proc = self.run_bytes(
            "grep", "-l", "-w", "-F", "-z", "-I", "-e", word, rev, "--", check=False
        )
        prefix = f"{rev}:"
        return [
            p.removeprefix(prefix)
            for p in proc.stdout.decode(errors="surrogateescape").split("\0")
            if p
        ]

    def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        """The contents of many objects (blobs, commits) by id, through the open object reader."""
        return {obj[0]: obj[2] for obj in self.read_objects(oids) if obj is not None}

    def log_files(
        self, rev: str = "HEAD", *, max_count: int = 2000, since: str | None = None
    ) -> list[tuple[int, str, list[str]]]:
        """``(commit time, subject and body, paths)`` of recent non-merge commits, newest first.

        With ``since`` (a commit), only the commits after it (``since..rev``).
        """
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
            f"{since}..{rev}" if since else rev,
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

    def tree_with(self, rev: str | None, files: Mapping[str, bytes | Stored | None]) -> str:
        """The id of ``rev``'s tree with ``files`` written, built off any index.

        A value is the new content (a regular file), an object already stored
        (``(mode, id)``: a file, symlink or gitlink as a diff reported it), or None
        (the path goes). The trees along the paths are rebuilt in memory
        (:mod:`ap.trees`) and stored with the new blobs by one ``git unpack-objects``.
        """
        from ap.trees import TreeEditor, pack

        base = None
        if rev is not None:
            found = self.read_object(f"{rev}^{{tree}}")
            if found is None:
                raise GitError(
                    f"no tree for {rev!r} in this repository",
                    hint=f"`git rev-parse {rev}` shows what it names; fetch it if it is missing",
                )
            base = found[0]
        algorithm = self.object_format(base)
        editor = TreeEditor(self._tree_content, algorithm)
        tree = editor.edit(base, files)
        self.run_bytes("unpack-objects", "-q", input=pack(editor.objects, algorithm))
        stored = self.read_object(tree)
        if stored is None or stored[1] != "tree":
            raise GitError(f"git did not store the tree {tree} ap built", hint=FSCK_HINT)
        return tree

    def _tree_content(self, oid: str) -> bytes:
        found = self.read_object(oid)
        if found is None or found[1] != "tree":
            raise GitError(f"tree {oid} is missing from this repository", hint=FSCK_HINT)
        return found[2]

    def read_object(self, name: str) -> tuple[str, str, bytes] | None:
        """``(id, type, content)`` of the object ``name`` names (an id, ``REV^{tree}``…),
        or None; read through one ``git cat-file --batch`` kept open."""
        return self.read_objects([name])[0]

    def read_objects(self, names: Sequence[str]) -> list[tuple[str, str, bytes] | None]:
        """:meth:`read_object` of many names (none with a line break), in order."""
        if not names:
            return []
        if self._reader is None:
            try:
                self._reader = _ObjectReader(self._root, _env(self.env))
            except OSError as exc:
                raise _cannot_run(exc, self._root) from None
        return self._reader.read(names)

    def object_format(self, known: str | None = None) -> str:
        """The repository's hash: ``sha1`` or ``sha256`` (told by the length of a known id)."""
        if known is not None and len(known) in (40, 64):
            return "sha1" if len(known) == 40 else "sha256"
        return self.run("rev-parse", "--show-object-format").strip() or "sha1"

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """A new commit object (no ref moves)."""
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(*args, input=message).strip()

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
        raise GitError(
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
            raise GitError(
                f"git merge-tree failed: {proc.stderr.decode().strip()}",
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
                raise GitError(f"git diff --raw failed: {detail}", hint=GIT_FAILED_HINT)
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
            raise GitError(
                f"git diff-tree --stdin gave {len(blocks)} diffs for {len(pairs)} pairs",
                hint=FSCK_HINT,
            )
        return blocks

    def numstat(self, old: str, new: str) -> list[tuple[int, int, str]]:
        """``(insertions, deletions, path)`` per changed file (binary files count 0)."""
        return _parse_numstat(
            self.run_bytes("diff", "--numstat", "-z", "--no-renames", old, new).stdout
        )

    def rev_list(self, *args: str) -> list[str]:
        return self.run("rev-list", *args).split()

    def commits_in(self, ranges: Sequence[tuple[str, str]]) -> list[list[str]]:
        """The commits of each ``old..new`` range, oldest first.

        An objective branch is usually one commit on its start: the heads are read
        with one process and such ranges answered from their parents; the others
        go to ``git rev-list``, a few at a time.
        """
        from concurrent.futures import ThreadPoolExecutor

        def commits(pair: tuple[str, str]) -> list[str]:
            return self.rev_list("--reverse", f"{pair[0]}..{pair[1]}")

        heads = self.read_blobs(sorted({new for old, new in ranges if old != new}))
        found: dict[int, list[str]] = {}
        for number, (old, new) in enumerate(ranges):
            if old == new:
                found[number] = []
            elif new in heads and _parents(heads[new]) == [old]:
                found[number] = [new]
        rest = [n for n in range(len(ranges)) if n not in found]
        with ThreadPoolExecutor(max_workers=4) as pool:
            found.update(zip(rest, pool.map(commits, [ranges[n] for n in rest]), strict=True))
        return [found[n] for n in range(len(ranges))]

    def message(self, rev: str) -> str:
        """The full commit message of ``rev``."""
        return self.run("log", "-1", "--format=%B", rev)

    def messages(self, commits: Sequence[str]) -> dict[str, str]:
        """``{commit id: message}`` of many commits through one ``git cat-file --batch``."""
        found = {}
        for oid, data in self.read_blobs(commits).items():
            _, sep, message = data.partition(b"\n\n")
            if sep:
                found[oid] = message.decode(errors="replace")
        return found

    def log_messages(self, rev: str, *, first_parent: bool = True) -> list[tuple[str, str]]:
        """``(commit id, message)`` from ``rev`` back, newest first."""
        args = ["log", "--format=%H%x1f%B%x1e"]
        if first_parent:
            args.append("--first-parent")
        out = self.run(*args, rev)
        rows = []
        for record in out.split("\x1e"):
            commit, sep, message = record.strip("\n").partition("\x1f")
            if sep:
                rows.append((commit, message))
        return rows

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
        dotgit = os.path.join(self._root, ".git")
        if os.path.isdir(dotgit):
            return _path(dotgit)
        try:
            with open(dotgit, encoding="utf-8") as handle:
                line = handle.readline().strip()
        except (OSError, UnicodeDecodeError):
            return None
        if line.startswith("gitdir: "):
            return _path(os.path.join(self._root, line[len("gitdir: ") :]))
        return None

    def branches(self, pattern: str) -> dict[str, str]:
        """``{branch name: commit}`` of local branches matching a for-each-ref pattern."""
        out = self.run(
            "for-each-ref", "--format=%(refname:strip=2)%00%(objectname)", f"refs/heads/{pattern}"
        )
        rows = (line.split("\0") for line in out.splitlines() if "\0" in line)
        return {name: oid for name, oid in rows}

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
            if attempt == 2 or not re.search(_WORKTREE_RACE, err):
                raise GitError(
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
