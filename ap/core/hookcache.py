"""The hook's caches under ``<git dir>/ap/cache``: marshal files, named by the Python
that wrote them, keyed by content (never stale), and a loose ref read without git.

Used by :mod:`ap.run.enforce` (the parsed scopes) and :mod:`ap.core.settings` (ap.yaml).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
CACHE_SUFFIX = f".py{sys.version_info[0]}{sys.version_info[1]}.marshal"


def loose_ref(git_dir: str, ref: str) -> str | None:
    """The commit a loose ref file names (read without a git process), or None."""
    try:
        with open(os.path.join(git_dir, ref), encoding="ascii") as handle:
            text = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text) else None


def read_cache(file: str, kind: Callable[..., T]) -> T | None:
    """The cached value built as ``kind(**data)``, or None (missing, unreadable, stale)."""
    import marshal  # built in: cheaper to load than json, and the cache is ap's own

    try:
        with open(file, "rb") as handle:
            data = marshal.loads(handle.read())
        return kind(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write_cache(file: str, data: dict[str, Any]) -> None:
    """Keep ``data`` in ``file`` (written aside and renamed; a cache that fails is skipped)."""
    import marshal

    try:
        os.makedirs(os.path.dirname(file), exist_ok=True)
        tmp = f"{file}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(marshal.dumps(data))
        os.replace(tmp, file)
    except (OSError, ValueError):
        pass
