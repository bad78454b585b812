"""Remotes: fetching refs in (from a remote, a bundle, or this repository), pushing them out,
and bundles. Hooks of the clone never run on a push ap makes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ap.git.runner import GitBase

if TYPE_CHECKING:
    from pathlib import Path

# Every ap push: no hook of the clone runs, whatever a branch brought in.
_PUSH = ("-c", "core.hooksPath=/dev/null", "push", "--quiet", "--no-verify")


class Remotes(GitBase):
    """Moving refs between repositories."""

    def fetch(
        self, source: str, refspecs: Sequence[str], *, prune: bool = False, into_head: bool = False
    ) -> None:
        """Fetch ``refspecs`` from ``source`` (a remote, a bundle's path, ``.``), no tags;
        ``into_head``: a checked-out branch may move (its work tree is the caller's)."""
        options = [*(["--update-head-ok"] if into_head else []), *(["--prune"] if prune else [])]
        self.run("fetch", "--quiet", "--no-tags", *options, source, *refspecs)

    def push(
        self,
        remote: str,
        refspecs: Sequence[str],
        *,
        leases: Sequence[str] = (),
        atomic: bool = True,
        check: bool = True,
    ) -> bool:
        """Push ``refspecs`` to ``remote``; each lease is a ``--force-with-lease`` value
        (``""``: the bare option). Whether the remote took them; refused with ``check``:
        GitCommandFailed with git's message."""
        options = ["--atomic"] if atomic else []
        options += [f"--force-with-lease={v}" if v else "--force-with-lease" for v in leases]
        proc = self.run_bytes(*_PUSH, *options, remote, *refspecs, check=check)
        return proc.returncode == 0

    def bundle_create(self, path: Path, revs: Sequence[str]) -> None:
        """A bundle file at ``path`` holding ``revs`` (refs, and ``^commit`` exclusions)."""
        self.run("bundle", "create", "--quiet", str(path), *revs)
