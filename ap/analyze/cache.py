"""The index cache under the git directory: entries keyed by path and blob id, in shards.

Keyed by blob rather than by tree, a commit that changes one file costs one file's
re-reading; the entries are spread over a fixed number of shard files by path, and
only the shards whose entries changed are written again, so a one-file commit
rewrites one shard, not the whole cache. The folder never grows with the number of
commits (older per-tree caches are removed when it is written).

Shards are ``marshal`` data, not JSON: reading 25k files' words is the largest
part of a warm plan, and marshal reads them about twice as fast and writes them
five times as fast. Only ap writes them, under the git directory, next to the
hooks git runs anyway; a shard that does not load is re-read from the tree.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ap.core.fsutil import atomic_write
from ap.git import Git

SHARDS = 16
_FIELDS = ("language", "size", "terms", "symbols", "imports", "members", "doc", "bases")
Entries = dict[str, tuple[str, Any]]  # path → (blob id, what the index knows: a FileInfo)


def _folder(git: Git) -> Path:
    return Path(git.git_dir()) / "ap"


def shard_of(path: str) -> int:
    """The shard a path's entry lives in (stable across runs and machines)."""
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % SHARDS


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    if not isinstance(raw, dict):
        raise ValueError(path)
    return raw


def read_data(path: Path) -> dict[str, Any]:
    """A dict written by :func:`write_data` (ValueError, EOFError, TypeError when damaged)."""
    with open(path, "rb") as handle:  # one read: marshal.load(handle) reads in tiny pieces
        raw = marshal.loads(handle.read())
    if not isinstance(raw, dict):
        raise ValueError(path)
    return raw


def write_data(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` atomically (a temporary file and a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(marshal.dumps(data))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shard_path(folder: Path, shard: int) -> Path:
    """The file of one shard."""
    return folder / f"{shard:02d}.bin"


def load_index(git: Git, version: int, make: Callable[..., Any]) -> tuple[str | None, Entries]:
    """``(tree, entries)`` from the cache, each entry's facts given to ``make`` (the index's
    FileInfo: this module knows its fields, not its class); the tree is None unless every
    shard was read."""
    folder = _folder(git) / "index"
    files: Entries = {}
    try:
        meta = _read(folder / "meta.json")
        if meta.get("version") != version:
            return None, {}
        tree: str | None = str(meta["tree"])
    except (OSError, ValueError, KeyError):
        return None, {}
    for shard in range(SHARDS):
        try:
            entries = read_data(shard_path(folder, shard))["files"]
            for path, entry in entries.items():
                files[path] = (entry[0], make(path, *entry[1:]))
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError):
            tree = None  # a shard lost: the index is checked against the tree again
    return tree, files


def save_index(git: Git, version: int, tree: str, files: Entries, before: Entries) -> None:
    """Write the shards whose entries differ from ``before``, then the tree they make up."""
    if before:
        dirty = {shard_of(p) for p, (oid, _) in files.items() if before.get(p, ("",))[0] != oid}
        dirty |= {shard_of(p) for p in before if p not in files}
    else:  # every shard, the empty ones too: a missing shard means a lost one
        dirty = set(range(SHARDS))
    folder = _folder(git) / "index"
    payloads: dict[int, dict[str, Any]] = {shard: {} for shard in dirty}
    for path, (oid, info) in files.items():
        shard = shard_of(path)
        if shard in payloads:
            payloads[shard][path] = [oid, *(getattr(info, name) for name in _FIELDS)]
    with contextlib.suppress(OSError):  # a read-only .git only costs speed
        for shard, entries in sorted(payloads.items()):
            write_data(shard_path(folder, shard), {"files": entries})
        atomic_write(folder / "meta.json", json.dumps({"version": version, "tree": tree}))
        old = [*_folder(git).glob("index-*.json"), _folder(git) / "index.json"]
        for stale in [*old, *folder.glob("[0-9][0-9].json")]:
            if stale.exists():  # the caches of earlier versions (one file, JSON shards)
                os.unlink(stale)
