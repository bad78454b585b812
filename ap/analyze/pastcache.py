"""The cache of past plans' digests (ap/analyze/past.py), one file under the git directory.

Digests by blob id and folder listings by tree id. A damaged file, or an entry of the
wrong shape, is read again from git, never trusted.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from ap.core.fsutil import atomic_write
from ap.git import Git

CACHE_NAME = "past.json"
CACHE_VERSION = 1
Digest = dict[str, Any]


def _strings(value: object, *, pairs: bool = False) -> bool:
    """A list of strings (``pairs``: of two-string lists)."""
    if not isinstance(value, list):
        return False
    if pairs:
        return all(isinstance(v, list) and len(v) == 2 and _strings(v) for v in value)
    return all(isinstance(v, str) for v in value)


def _records(value: object, lists: tuple[str, ...] = ()) -> bool:
    """A list of mappings whose values are strings (or, for ``lists``, lists of strings)."""
    return isinstance(value, list) and all(
        isinstance(r, dict)
        and all(_strings(v) if k in lists else isinstance(v, str) for k, v in r.items())
        for r in value
    )


def _sound(digest: object) -> bool:
    """Whether a cached digest has the shape :func:`digest_of` gives (a damaged cache is
    read again, never trusted)."""
    if digest is None:
        return True
    if not isinstance(digest, dict):
        return False
    texts = ("kind", "request", "created_at", "id", "summary", "status")
    if not all(isinstance(digest.get(k, ""), str) for k in texts):
        return False
    return (
        _records(digest.get("objectives"), ("files", "scope_touch"))
        and _records(digest.get("known_issues", []))
        and _records(digest.get("contracts", []))
        and _records(digest.get("grants", []))
    )


class PastCache:
    """Digests by blob id and folder listings by tree id, in one file under the git dir.

    Rewritten only when something new was read, with only what this run used, so it
    never grows beyond the past plans that exist.
    """

    def __init__(self, git: Git) -> None:
        self.path = Path(git.git_dir()) / "ap" / CACHE_NAME
        self.trees: dict[str, list[list[str]]] = {}
        self.digests: dict[str, Digest | None] = {}
        self.used_trees: set[str] = set()
        self.used: set[str] = set()
        self.dirty = False
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            with open(self.path, encoding="utf-8") as handle:
                raw = json.load(handle)
            if raw.get("version") == CACHE_VERSION:
                self.trees = {
                    t: v for t, v in dict(raw["trees"]).items() if _strings(v, pairs=True)
                }
                self.digests = {b: d for b, d in dict(raw["digests"]).items() if _sound(d)}

    def save(self) -> None:
        stale = self.trees.keys() - self.used_trees or self.digests.keys() - self.used
        if not self.dirty and not stale:
            return
        payload = {
            "version": CACHE_VERSION,
            "trees": {t: self.trees[t] for t in self.used_trees if t in self.trees},
            "digests": {b: self.digests[b] for b in self.used if b in self.digests},
        }
        with contextlib.suppress(OSError):  # a read-only .git only costs speed
            atomic_write(self.path, json.dumps(payload, separators=(",", ":")))
