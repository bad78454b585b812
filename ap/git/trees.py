"""Git tree objects edited in memory: the trees along the changed paths are rebuilt,
every other subtree is kept by id, and the new objects go to git in one pack.

Used by :meth:`ap.git.Git.tree_with` (every commit ap writes on the integration
branch). The result is byte for byte the tree git's own index would write
(``read-tree``, ``update-index``, ``write-tree``): entries sorted as git sorts
them, modes written as git writes them, empty folders dropped; a file written
where a folder is replaces the folder, and a folder needed where a file is
replaces the file. ``tests/test_trees.py`` checks that against git itself.
"""

from __future__ import annotations

import hashlib
import stat
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ap.git.errors import UnstorablePath

Stored = tuple[str, str]  # (mode, object id) of a tree entry
Entry = tuple[str, bytes]  # (mode as git writes it, raw object id)
TREE_MODE = "40000"
_PACK_TYPES = {"commit": 1, "tree": 2, "blob": 3}


def canonical_mode(mode: str) -> str:
    """The mode git stores for a file of ``mode`` (as its index does: 100664 -> 100644)."""
    value = int(mode, 8)
    kind = stat.S_IFMT(value)
    if kind == stat.S_IFDIR:
        return TREE_MODE
    if kind == stat.S_IFLNK:
        return "120000"
    if kind == 0o160000:  # a gitlink (a submodule's commit)
        return "160000"
    return "100755" if value & 0o100 else "100644"


def object_id(kind: str, data: bytes, algorithm: str) -> str:
    """The id git gives an object of ``kind`` with ``data`` (``sha1`` or ``sha256`` repository)."""
    digest = hashlib.new(algorithm)
    digest.update(f"{kind} {len(data)}\0".encode())
    digest.update(data)
    return digest.hexdigest()


def parse_tree(data: bytes, width: int) -> dict[bytes, Entry]:
    """A tree object's entries by name; ``width``: the bytes of a raw object id."""
    entries: dict[bytes, Entry] = {}
    at = 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        name = data[space + 1 : nul]
        entries[name] = (data[at:space].decode(), data[nul + 1 : nul + 1 + width])
        at = nul + 1 + width
    return entries


def _sort_key(item: tuple[bytes, Entry]) -> bytes:
    name, (mode, _) = item
    return name + b"/" if mode == TREE_MODE else name


def encode_tree(entries: Mapping[bytes, Entry]) -> bytes:
    """A tree object's content: entries in git's order (a folder sorts as if ending in /)."""
    return b"".join(
        mode.encode() + b" " + name + b"\0" + oid
        for name, (mode, oid) in sorted(entries.items(), key=_sort_key)
    )


def pack(objects: list[tuple[str, bytes]], algorithm: str) -> bytes:
    """A version 2 pack holding ``objects`` ((kind, data), whole, no deltas)."""
    out = bytearray(b"PACK" + struct.pack(">II", 2, len(objects)))
    for kind, data in objects:
        size = len(data)
        byte = (_PACK_TYPES[kind] << 4) | (size & 0x0F)
        size >>= 4
        while size:
            out.append(byte | 0x80)
            byte, size = size & 0x7F, size >> 7
        out.append(byte)
        out += zlib.compress(data)
    out += hashlib.new(algorithm, bytes(out)).digest()
    return bytes(out)


@dataclass
class _Folder:
    """The edits under one folder: files written or removed here, and subfolders."""

    files: dict[bytes, bytes | Stored | None] = field(default_factory=dict)
    folders: dict[bytes, _Folder] = field(default_factory=dict)
    removed: set[bytes] = field(default_factory=set)  # a file removed where a folder is edited


def _parts(path: str) -> list[bytes]:
    """``path``'s names; a path git refuses in a work tree (``..``, ``.git``…) is an error."""
    parts = path.encode("utf-8", "surrogateescape").split(b"/")
    for part in parts:
        bare = part.rstrip(b". ").lower()
        if part in (b"", b".", b"..") or bare in (b".git", b"git~1") or b"\0" in part:
            raise UnstorablePath(
                f"not a path git can store: {path!r}",
                hint="a path has no empty, `.`, `..` or `.git` part",
            )
    return parts


def _edits(files: Mapping[str, bytes | Stored | None]) -> _Folder:
    """``files`` as a folder tree. A file written replaces whatever was at its path (a
    removal inside it is moot); writing a file and something inside it is an error."""
    split = {path: _parts(path) for path in files}
    written = {tuple(split[p]) for p, value in files.items() if value is not None}
    root = _Folder()
    for path, value in files.items():
        parts = split[path]
        if any(tuple(parts[:n]) in written for n in range(1, len(parts))):
            if value is not None:
                raise UnstorablePath(
                    f"{path!r} is written inside a path written as a file",
                    hint="one commit cannot hold a path both as a file and as a folder",
                )
            continue
        folder = root
        for part in parts[:-1]:
            if part in folder.files:  # (a removal: a file written there was ruled out)
                del folder.files[part]
                folder.removed.add(part)
            folder = folder.folders.setdefault(part, _Folder())
        if parts[-1] in folder.folders:  # (likewise a removal)
            folder.removed.add(parts[-1])
        else:
            folder.files[parts[-1]] = value
    return root


@dataclass
class _Frame:
    """A folder being edited: its entries so far, and its sub-folders still to edit."""

    entries: dict[bytes, Entry]
    edits: _Folder
    pending: list[tuple[bytes, _Folder]]
    name: bytes | None = None  # the sub-folder being edited now
    inner: bytes | None = None  # its tree before the edit, if it was a folder


class TreeEditor:
    """Builds trees from a base tree and edits; collects the objects git does not have yet."""

    def __init__(self, read_tree: Callable[[str], bytes], algorithm: str) -> None:
        self._read_tree = read_tree  # a tree object's content by id
        self.algorithm = algorithm
        self._width = hashlib.new(algorithm).digest_size
        self.objects: list[tuple[str, bytes]] = []  # new objects, each after what it refers to

    def edit(self, base: str | None, files: Mapping[str, bytes | Stored | None]) -> str:
        """The id of ``base`` (a tree id, or None: empty) with ``files`` written or removed."""
        entries = self._edit(bytes.fromhex(base) if base else None, _edits(files))
        return self._store("tree", encode_tree(entries))

    def _store(self, kind: str, data: bytes) -> str:
        oid = object_id(kind, data, self.algorithm)
        self.objects.append((kind, data))
        return oid

    def _edit(self, tree: bytes | None, edits: _Folder) -> dict[bytes, Entry]:
        """The entries of ``tree`` after ``edits``, each mode as git writes it.

        Folders are walked with a stack of their own, not by recursion: a path may be
        thousands of folders deep.
        """
        stack = [self._open(tree, edits)]
        while True:
            frame = stack[-1]
            if frame.pending:
                name, sub = frame.pending.pop()
                current = frame.entries.get(name)
                frame.name = name
                frame.inner = (
                    current[1] if current is not None and current[0] == TREE_MODE else None
                )
                stack.append(self._open(frame.inner, sub))
                continue
            stack.pop()
            if not stack:
                return frame.entries
            self._settle(stack[-1], frame.entries)

    def _open(self, tree: bytes | None, edits: _Folder) -> _Frame:
        """A folder's entries with its files written; its folders still to edit."""
        # (like git's index, a rewritten folder has every mode written canonically)
        old = parse_tree(self._read_tree(tree.hex()), self._width) if tree else {}
        entries = {name: (canonical_mode(mode), oid) for name, (mode, oid) in old.items()}
        for name, value in edits.files.items():
            if value is None:
                if name in entries and entries[name][0] != TREE_MODE:
                    del entries[name]  # (a file that is not there, or a folder: nothing to do)
            elif isinstance(value, bytes):
                entries[name] = ("100644", bytes.fromhex(self._store("blob", value)))
            else:
                mode = canonical_mode(value[0])
                if mode == TREE_MODE:
                    raise UnstorablePath(f"{name!r}: a folder is not written as one entry")
                entries[name] = (mode, bytes.fromhex(value[1]))
        return _Frame(entries, edits, list(reversed(edits.folders.items())))

    def _settle(self, frame: _Frame, changed: dict[bytes, Entry]) -> None:
        """Put the folder just edited (``frame.name``, now ``changed``) into its parent."""
        assert frame.name is not None
        if changed:  # (a file there is replaced by the folder)
            oid = self._store("tree", encode_tree(changed))
            frame.entries[frame.name] = (TREE_MODE, bytes.fromhex(oid))
        elif frame.inner is not None or frame.name in frame.edits.removed:
            frame.entries.pop(frame.name, None)  # git keeps no empty folder
