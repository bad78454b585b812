"""Small extracts of artifacts (a row of ``ap list``, a duration for ``ap status``), kept
by the hash of each artifact's text so that a repository of hundreds of plans is not
parsed whole every time one is listed.

An extract is content-addressed: an artifact changed in any way (by ap, or by hand)
has another hash and is read again, whole and validated, so the extract is never
stale and errors are reported as when it is loaded. The cache lives under
``<git common dir>/ap/cache``; losing it only costs time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ap.core.models import Model
from ap.state.store import KINDS, from_markdown

Extract = Callable[[Model], dict[str, Any]]
# marshal's format belongs to the Python that wrote it
_SUFFIX = f".py{sys.version_info[0]}{sys.version_info[1]}.marshal"


class Digests:
    """The extracts of one kind made by one function (``name``), cached by text hash."""

    def __init__(self, cache_dir: Path, name: str, extract: Extract) -> None:
        # the extract's own code names the file: a changed extract never reads old ones
        shape = hashlib.sha1(marshal.dumps(extract.__code__)).hexdigest()[:12]
        self.file = cache_dir / f"digests-{name}-{shape}{_SUFFIX}"
        self.extract = extract
        self._known = _read(self.file)
        self._used: dict[str, dict[str, Any]] = {}

    def of(self, kind: str, text: str, *, where: str) -> dict[str, Any]:
        """The extract of an artifact of ``kind`` whose file holds ``text``."""
        key = f"{kind}:{hashlib.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
        found = self._used.get(key) or self._known.get(key)
        if found is None:
            found = self.extract(from_markdown(KINDS[kind].model, text, where=where))
        self._used[key] = found
        return found

    def save(self) -> None:
        """Keep the extracts used this time (and only those) for the next."""
        if self._used == self._known:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(f"{self.file.name}.{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(self._used))
            os.replace(tmp, self.file)
        except (OSError, ValueError):
            pass  # (a cache: the next run reads the artifacts again)


def _read(file: Path) -> dict[str, dict[str, Any]]:
    try:
        data = marshal.loads(file.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)}
