"""Objects: the blobs, trees and commits of the repository, read through one
``git cat-file --batch`` kept open, and trees written without an index (:mod:`ap.git.trees`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO

from ap.git.errors import GitCommandFailed, ObjectMissing
from ap.git.runner import FSCK_HINT, GitBase, _cannot_run, _env, _Spawned

Stored = tuple[str, str]  # (mode, object id) of a tree entry


class _ObjectReader:
    """One ``git cat-file --batch`` kept open for a :class:`Git`'s lifetime (thread-safe).

    A long-running reader sees objects written after it started (git looks for
    loose objects and new packs when an object is not where it last looked).
    """

    def __init__(self, cwd: str, env: dict[str, str]) -> None:
        import threading
        import weakref

        self._lock = threading.Lock()
        self._child = _Spawned(["cat-file", "--batch"], cwd, env, stdin=True, stderr=False)
        self._stdin, self._stdout = self._child.streams()
        weakref.finalize(self, self._child.close, self._stdin, self._stdout)

    CHUNK = 256  # names written before their answers are read (well under a pipe's buffer)

    def read(self, names: Sequence[str]) -> list[tuple[str, str, bytes] | None]:
        """``(id, type, content)`` of each object named, or None when there is none."""
        if any("\n" in name for name in names):
            raise GitCommandFailed(
                "an object name with a line break cannot be read",
                hint="name the revision without a line break",
            )
        found: list[tuple[str, str, bytes] | None] = []
        with self._lock:
            for at in range(0, len(names), self.CHUNK):
                chunk = names[at : at + self.CHUNK]
                try:
                    self._stdin.write(
                        b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in chunk)
                    )
                    self._stdin.flush()
                    for _ in chunk:
                        found.append(self._answer(self._stdout))
                except (OSError, ValueError) as exc:
                    raise GitCommandFailed(
                        f"git cat-file --batch failed: {exc}", hint=FSCK_HINT
                    ) from None
        return found

    @staticmethod
    def _answer(out: IO[bytes]) -> tuple[str, str, bytes] | None:
        header = out.readline().split()
        if not header:
            raise GitCommandFailed("git cat-file --batch stopped", hint=FSCK_HINT)
        if len(header) != 3:  # "<name> missing" or "<name> ambiguous"
            return None
        data = out.read(int(header[2]) + 1)[:-1]
        return header[0].decode(), header[1].decode(), data


class Objects(GitBase):
    """Reading and writing objects; the reader starts with the first read."""

    _reader: _ObjectReader | None = None

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

    def tree_with(self, rev: str | None, files: Mapping[str, bytes | Stored | None]) -> str:
        """The id of ``rev``'s tree with ``files`` written, built off any index.

        A value is the new content (a regular file), an object already stored
        (``(mode, id)``: a file, symlink or gitlink as a diff reported it), or None
        (the path goes). The trees along the paths are rebuilt in memory
        (:mod:`ap.git.trees`) and stored with the new blobs by one ``git unpack-objects``.
        """
        from ap.git.trees import TreeEditor, pack

        base = None
        if rev is not None:
            found = self.read_object(f"{rev}^{{tree}}")
            if found is None:
                raise ObjectMissing(
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
            raise ObjectMissing(f"git did not store the tree {tree} ap built", hint=FSCK_HINT)
        return tree

    def _tree_content(self, oid: str) -> bytes:
        found = self.read_object(oid)
        if found is None or found[1] != "tree":
            raise ObjectMissing(f"tree {oid} is missing from this repository", hint=FSCK_HINT)
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
            if not os.path.isdir(self._root):  # (`git -C` would only fail on the first read)
                raise _cannot_run(None, self._root)
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
