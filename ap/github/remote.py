"""The Action's clone and its ``origin``: fetch a plan's branches, push what ap moved.

Both go through :class:`~ap.git.Git` with fixed arguments; branch names are
built by ap from validated ids, never taken from event text.
"""

from __future__ import annotations

from collections.abc import Iterable

from ap.git import Git

REMOTE = "origin"


def fetch_plans(git: Git, prefix: str) -> None:
    """Mirror every ``<prefix>*`` branch of origin locally (origin is the truth)."""
    spec = f"+refs/heads/{prefix}*:refs/heads/{prefix}*"
    # --update-head-ok: a push event's checkout may have one of these branches checked out;
    # ap never reads that work tree, only the refs.
    git.run("fetch", "--quiet", "--no-tags", "--update-head-ok", REMOTE, spec)


def push_branches(git: Git, branches: Iterable[str]) -> None:
    """Push ``branches`` to origin in one atomic push (fast-forwards and new branches only)."""
    refs = [f"refs/heads/{b}:refs/heads/{b}" for b in dict.fromkeys(branches)]
    if refs:
        git.run("push", "--quiet", "--atomic", "--no-verify", REMOTE, *refs)


def push_retried(git: Git, branch: str, old: str | None) -> None:
    """A retried objective's branch, moved back to its new start: the one forced update ap
    makes, leased on the old tip, which is pushed first under ``refs/ap/attempts/``."""
    attempts = [
        line.strip()
        for line in git.run("for-each-ref", "--format=%(refname)", "refs/ap/attempts/").splitlines()
    ]
    refs = [f"{ref}:{ref}" for ref in attempts]
    lease = f"--force-with-lease=refs/heads/{branch}:{old}" if old else "--force-with-lease"
    git.run("push", "--quiet", "--atomic", "--no-verify", lease, REMOTE,
            f"+refs/heads/{branch}:refs/heads/{branch}", *refs)  # fmt: skip
