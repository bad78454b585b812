"""The index cache under the git directory: entries keyed by path and blob id, in shards.

Keyed by blob rather than by tree, a commit that changes one file costs one file's
re-reading; the entries are spread over a fixed number of shard files by path, and
only the shards whose entries changed are written again, so a one-file commit
rewrites one shard, not the whole cache. The folder never grows with the number of
commits (older per-tree caches are removed when it is written).
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ap.core.fsutil import atomic_write
from ap.git import Git

if TYPE_CHECKING:
    from ap.analyze.index import FileInfo

SHARDS = 16
_FIELDS = ("language", "size", "terms", "symbols", "imports", "members", "doc")
Entries = dict[str, tuple[str, "FileInfo"]]  # path → (blob id, what the index knows)


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


def load_index(git: Git, version: int) -> tuple[str | None, Entries]:
    """``(tree, entries)`` from the cache; the tree is None unless every shard was read."""
    from ap.analyze.index import FileInfo

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
            entries = _read(folder / f"{shard:02d}.json")["files"]
            for path, entry in entries.items():
                files[path] = (entry[0], FileInfo(path, *entry[1:]))
        except (OSError, ValueError, TypeError, KeyError, IndexError):
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
            text = json.dumps({"files": entries}, separators=(",", ":"))
            atomic_write(folder / f"{shard:02d}.json", text)
        atomic_write(folder / "meta.json", json.dumps({"version": version, "tree": tree}))
        for old in [*_folder(git).glob("index-*.json"), _folder(git) / "index.json"]:
            if old.exists():  # the single-file caches of earlier versions
                os.unlink(old)
