"""What a scope check reads from git: the change, and the symlinks of the tree it checks.

That tree is a branch tip (merge-time, ``--branch``, ``--range``) or the index
(``--staged``); either way it is the base commit's tree with the checked diff
over it, since the diff lists every path whose entry differs from the base. So a
path's entry is the diff's when the diff has it, else the base tree's, read one
folder at a time through git's open object reader (only folders on the way to a
symlink target are read, so a check without symlinks reads none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ap.git import ZERO_OID, DiffEntry, Git

if TYPE_CHECKING:
    from ap.scope.changes import Change

SYMLINK = "120000"
TREE = "40000"
# name -> (mode, object ids): one id, or for a folder all the folders of that (folded)
# name, since a case-insensitive file system makes one folder of `x/` and `X/`.
_Folder = dict[str, tuple[str, tuple[str, ...]]]


def _folding(case_sensitive: bool) -> Callable[[str], str]:
    """How names compare (:func:`ap.scope.pattern.fold_case`), loaded only when a tree is
    read: the hook imports this module before it starts git, the scope package after."""
    from ap.scope.pattern import fold_case

    return lambda text: fold_case(text, case_sensitive)


def _parse_tree(data: bytes, width: int, fold: Callable[[str], str], into: _Folder) -> None:
    """Add a tree's entries to ``into`` by (folded) name.

    A hand-made tree may name an entry twice (a symlink and a folder), and names may
    differ only in case (one entry on macOS): a symlink is what the check must see,
    so nothing replaces one; else a folder, whose ids gather, so it can be searched.
    """
    at = 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        mode = data[at:space].decode()
        name = fold(data[space + 1 : nul].decode(errors="surrogateescape"))
        oid = data[nul + 1 : nul + 1 + width].hex()
        at = nul + 1 + width
        kept = into.get(name)
        if kept is None or mode == SYMLINK:
            into[name] = (mode, (oid,)) if kept is None or kept[0] != SYMLINK else kept
        elif mode == TREE and kept[0] != SYMLINK:
            into[name] = (TREE, (*kept[1], oid) if kept[0] == TREE else (oid,))


class BaseTree:
    """A commit's tree, read one folder at a time and remembered (None: the empty tree).

    Unless ``case_sensitive``, paths are looked up as a case-insensitive file system
    (macOS) finds them: ``LibDir/x`` goes through a symlink named ``libdir``.
    """

    def __init__(self, git: Git, commit: str | None, case_sensitive: bool = False) -> None:
        self.git = git
        self.commit = commit
        self.case_sensitive = case_sensitive
        self.fold = _folding(case_sensitive)
        self._folders: dict[str, _Folder | None] = {}
        self._targets: dict[str, str] = {}

    def _folder(self, path: str) -> _Folder | None:
        """The folder at ``path`` (folded), read down from the root (a loop: paths run deep)."""
        if path in self._folders:
            return self._folders[path]
        if not self._folders:
            self._folders[""] = self._read([f"{self.commit}^{{tree}}"]) if self.commit else None
        names = path.split("/")
        depth = len(names)
        while depth and "/".join(names[:depth]) not in self._folders:
            depth -= 1  # the deepest folder already read
        folder = self._folders["/".join(names[:depth])]
        for n in range(depth, len(names)):
            entry = (folder or {}).get(names[n])
            folder = self._read(entry[1]) if entry is not None and entry[0] == TREE else None
            self._folders["/".join(names[: n + 1])] = folder
        return folder

    def _read(self, names: Sequence[str]) -> _Folder | None:
        """The trees ``names`` names, as one folder (None when none is a tree)."""
        folder: _Folder = {}
        trees = [f for f in self.git.read_objects(names) if f is not None and f[1] == "tree"]
        for oid, _, data in trees:
            _parse_tree(data, len(oid) // 2, self.fold, folder)
        return folder if trees else None

    def symlink_target(self, path: str) -> str | None:
        """The target of the symlink at ``path`` in this tree, or None (no symlink there)."""
        parent, _, name = self.fold(path).rpartition("/")
        entry = (self._folder(parent) or {}).get(name)
        if entry is None or entry[0] != SYMLINK:
            return None
        return self.target(entry[1][0])

    def target(self, oid: str) -> str:
        """A symlink blob's text (a target git cannot read counts as empty: refused)."""
        if oid not in self._targets:
            self._targets.update(read_targets(self.git, [oid]))
        return self._targets.get(oid, "")


def read_targets(git: Git, oids: Iterable[str]) -> dict[str, str]:
    """The text of symlink blobs by id (bytes that are not UTF-8 kept as surrogates)."""
    wanted = [oid for oid in dict.fromkeys(oids) if oid != ZERO_OID]
    blobs = git.read_blobs(wanted) if wanted else {}
    return {oid: data.decode("utf-8", "surrogateescape") for oid, data in blobs.items()}


class TreeLinks:
    """The symlinks of ``base`` with ``entries`` (a diff from it) applied: a lookup by path."""

    def __init__(
        self, base: BaseTree, entries: Iterable[DiffEntry], targets: Mapping[str, str]
    ) -> None:
        self.base = base
        self._changed: dict[str, DiffEntry] = {}
        for e in entries:  # (of case variants, a symlink is kept: see _parse_tree)
            key = base.fold(e.path)
            kept = self._changed.get(key)
            if kept is None or kept.new_mode != SYMLINK:
                self._changed[key] = e
        self._targets = targets

    def __call__(self, path: str) -> str | None:
        entry = self._changed.get(self.base.fold(path))
        if entry is None:  # unchanged: as in the base tree
            return self.base.symlink_target(path)
        if entry.new_mode != SYMLINK:
            return None
        target = self._targets.get(entry.new_oid)
        return target if target is not None else self.base.target(entry.new_oid)


def to_changes(git: Git, entries: Sequence[DiffEntry]) -> list[Change]:
    """Scope-check changes from raw diff entries, with the targets of added symlinks."""
    from ap.scope.changes import Change

    targets = read_targets(git, [e.new_oid for e in entries if e.new_mode == SYMLINK])
    return [
        Change(
            status=e.status,
            path=e.path,
            old_mode=e.old_mode,
            new_mode=e.new_mode,
            symlink_target=targets.get(e.new_oid) if e.new_mode == SYMLINK else None,
        )
        for e in entries
    ]
