"""The Action's clone and its ``origin``: fetch a plan's branches, push what ap moved.

Everything goes through :class:`~ap.git.Git` with fixed arguments; branch names are
built by ap from validated ids, never taken from event text. A job that holds no
token (an agent's, the gates') never fetches: :func:`mirror_plans` reads the
branches the checkout fetched already. A job that pushes authenticates each git
call through the environment (:func:`authenticated`), never through a config file
another process of the job could read later.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from ap.git import Git

REMOTE = "origin"
CLAIMS = "refs/ap/claims/"


def authenticated(git: Git, env: Mapping[str, str]) -> Git:
    """``git`` whose commands send the job's token to the server (``GITHUB_SERVER_URL``) as
    an HTTP header given through git's environment configuration (``GIT_CONFIG_*``)."""
    token = env.get("GITHUB_TOKEN")
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    parts = urlsplit(server)
    if not token or parts.scheme != "https" or not parts.netloc:
        return git
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    extra = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.https://{parts.netloc}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }
    return Git(git.root, {**git.env, **extra})


def fetch_plans(git: Git, prefix: str) -> None:
    """Mirror every ``<prefix>*`` branch of origin locally (origin is the truth), and the
    claims on objectives' work."""
    spec = f"+refs/heads/{prefix}*:refs/heads/{prefix}*"
    # --update-head-ok: a push event's checkout may have one of these branches checked out;
    # ap never reads that work tree, only the refs.
    git.fetch(REMOTE, [spec, f"+{CLAIMS}*:{CLAIMS}*"], prune=True, into_head=True)


def mirror_plans(git: Git, prefix: str) -> None:
    """Local ``<prefix>*`` branches at origin's tips, from the remote-tracking branches a
    full checkout fetched: no network, no token (a checked-out branch moves too: its
    work tree is the caller's to reset)."""
    spec = f"+refs/remotes/{REMOTE}/{prefix}*:refs/heads/{prefix}*"
    git.fetch(".", [spec], into_head=True)


def push_branches(git: Git, branches: Iterable[str]) -> None:
    """Push ``branches`` to origin in one atomic push (fast-forwards and new branches only)."""
    refs = [f"refs/heads/{b}:refs/heads/{b}" for b in dict.fromkeys(branches)]
    if refs:
        git.push(REMOTE, refs)


def push_claims(git: Git, claims: Mapping[str, tuple[str, str | None]]) -> bool:
    """Create or move the claim refs ``{ref: (new, old)}`` on origin in one atomic push,
    each leased on ``old`` (None: it must not exist); False when another run won."""
    if not claims:
        return True
    leases = [f"{ref}:{old or ''}" for ref, (_, old) in claims.items()]
    refs = [f"+{new}:{ref}" for ref, (new, _) in claims.items()]
    return git.push(REMOTE, refs, leases=leases, check=False)


def drop_claim(git: Git, ref: str, old: str) -> bool:
    """Delete the claim ``ref`` on origin (and here) if it is still at ``old``."""
    if not git.push(REMOTE, [f":{ref}"], leases=[f"{ref}:{old}"], atomic=False, check=False):
        return False
    git.delete_ref(ref)
    return True


def push_retried(git: Git, branch: str, old: str | None) -> None:
    """A retried objective's branch, moved back to its new start: the one forced update ap
    makes, leased on the old tip, which is pushed first under ``refs/ap/attempts/``."""
    refs = [f"{ref}:{ref}" for ref in git.refs_under("refs/ap/attempts/")]
    lease = f"refs/heads/{branch}:{old}" if old else ""
    git.push(REMOTE, [f"+refs/heads/{branch}:refs/heads/{branch}", *refs], leases=[lease])
