"""The history read from git, cached under the git directory by the HEAD it was read at.

One file, replaced on each write (it never grows with the number of commits).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ap.analyze.history import History
from ap.core.fsutil import atomic_write
from ap.git import Git

CACHE_NAME = "history.json"


def _path(git: Git) -> Path:
    return Path(git.git_dir()) / "ap" / CACHE_NAME


def load_history(git: Git, version: int) -> tuple[str | None, History | None]:
    """``(head, history)`` from the cache; ``(None, None)`` without a usable one."""
    try:
        with open(_path(git), encoding="utf-8") as handle:
            raw: dict[str, Any] = json.load(handle)
        if raw.get("version") != version:
            return None, None
        history = History(
            commits=int(raw["commits"]),
            frequency=dict(raw["frequency"]),
            counts=dict(raw["counts"]),
            cochange=dict(raw["cochange"]),
            messages={p: Counter(m) for p, m in raw["messages"].items()},
            added={f: Counter(s) for f, s in raw["added"].items()},
        )
        return str(raw["head"]), history
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None, None


def save_history(git: Git, version: int, head: str, history: History) -> None:
    """Replace the cache with ``history`` as read at ``head``."""
    payload = {
        "version": version,
        "head": head,
        "commits": history.commits,
        "frequency": history.frequency,
        "counts": history.counts,
        "cochange": history.cochange,
        "messages": history.messages,
        "added": history.added,
    }
    with contextlib.suppress(OSError):  # a read-only .git only costs speed
        atomic_write(_path(git), json.dumps(payload, separators=(",", ":")))
