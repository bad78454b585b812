"""The index cache under the git directory: one file, entries keyed by path and blob id.

Keyed by blob rather than by tree, a commit that changes one file costs one file's
re-reading; one file replaced on each write keeps ``.git/ap`` from growing (older
per-tree caches are removed when it is written).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ap.fsutil import atomic_write
from ap.git import Git

if TYPE_CHECKING:
    from ap.analyze.index import FileInfo

CACHE_NAME = "index.json"
_FIELDS = ("language", "size", "terms", "symbols", "imports", "members", "doc")


def _folder(git: Git) -> Path:
    return Path(git.git_dir()) / "ap"


def load_index(git: Git, version: int) -> tuple[str | None, dict[str, tuple[str, FileInfo]]]:
    """``(tree, {path: (blob id, info)})`` from the cache; ``(None, {})`` without a usable one."""
    from ap.analyze.index import FileInfo

    try:
        with open(_folder(git) / CACHE_NAME, encoding="utf-8") as handle:
            raw: dict[str, Any] = json.load(handle)
        if raw.get("version") != version:
            return None, {}
        files = {
            path: (entry[0], FileInfo(path, *entry[1:])) for path, entry in raw["files"].items()
        }
        return str(raw["tree"]), files
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None, {}


def save_index(git: Git, version: int, tree: str, files: dict[str, tuple[str, FileInfo]]) -> None:
    """Replace the cache with ``files`` of ``tree``, and remove older per-tree caches."""
    payload = {
        "version": version,
        "tree": tree,
        "files": {
            path: [oid, *(getattr(info, name) for name in _FIELDS)]
            for path, (oid, info) in files.items()
        },
    }
    folder = _folder(git)
    with contextlib.suppress(OSError):  # a read-only .git only costs speed
        atomic_write(folder / CACHE_NAME, json.dumps(payload, separators=(",", ":")))
        for old in folder.glob("index-*.json"):  # the per-tree caches of earlier versions
            os.unlink(old)
