"""The history read from git, cached under the git directory by the HEAD it was read at.

One file, replaced on each write (it never grows with the number of commits), in
``marshal`` like the index shards (cache.py): a one-file commit rewrites it, and
marshal writes it five times as fast as JSON.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ap.analyze.cache import read_data, write_data
from ap.git import Git

CACHE_NAME = "history.bin"
OLD_NAMES = ("history.json",)  # earlier versions' caches, removed on write


class Cached(Protocol):
    """What is kept of a history (history.py's History: this module knows its fields)."""

    commits: int
    frequency: dict[str, float]
    counts: dict[str, int]
    cochange: dict[str, dict[str, float]]
    messages: dict[str, Counter[str]]
    added: dict[str, Counter[str]]


H = TypeVar("H", bound=Cached)


def _path(git: Git) -> Path:
    return Path(git.git_dir()) / "ap" / CACHE_NAME


def load_history(git: Git, version: int, make: Callable[..., H]) -> tuple[str | None, H | None]:
    """``(head, history)`` from the cache, made by ``make`` from its fields; ``(None, None)``
    without a usable one."""
    try:
        raw: dict[str, Any] = read_data(_path(git))
        if raw.get("version") != version:
            return None, None
        history = make(
            commits=int(raw["commits"]),
            frequency=dict(raw["frequency"]),
            counts=dict(raw["counts"]),
            cochange=dict(raw["cochange"]),
            messages={p: Counter(m) for p, m in raw["messages"].items()},
            added={f: Counter(s) for f, s in raw["added"].items()},
        )
        return str(raw["head"]), history
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        return None, None


def save_history(git: Git, version: int, head: str, history: Cached) -> None:
    """Replace the cache with ``history`` as read at ``head``."""
    payload = {
        "version": version,
        "head": head,
        "commits": history.commits,
        "frequency": history.frequency,
        "counts": history.counts,
        "cochange": history.cochange,
        "messages": {p: dict(m) for p, m in history.messages.items()},
        "added": {f: dict(s) for f, s in history.added.items()},
    }
    with contextlib.suppress(OSError):  # a read-only .git only costs speed
        write_data(_path(git), payload)
        for name in OLD_NAMES:
            (_path(git).parent / name).unlink(missing_ok=True)
