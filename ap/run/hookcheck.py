"""The pre-commit hook's entry point: ``ap check-scope --staged`` without click or pydantic.

``python -m ap.run.hookcheck`` prints what ``ap check-scope --staged`` prints and
exits with the same code; it only imports what the check needs, so a commit
waits milliseconds, not the time it takes to load the whole command line.
Failures go through ap's one error boundary (:mod:`ap.core.boundary`), as the command's do.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def main() -> int:
    """Check what the index would commit; the exit code ``ap check-scope --staged`` gives."""
    from ap.core.boundary import guarded

    return guarded(_check)


def _check() -> int:
    from ap.core.errors import ScopeViolation
    from ap.git import Git, locate
    from ap.run.enforce import Settings, check_staged

    where = locate()
    if where is None:  # unusual (no commit yet, not a repository): the slower way says
        git = Git.discover()
        outcome = check_staged(git, Settings.load(git.root))
    elif where.branch is None:
        return 0
    else:
        git = Git(where.root)
        cache = os.path.join(where.common_dir, "ap", "cache")
        outcome = check_staged(
            git, Settings.load(where.root, cache), branch=where.branch, cache=cache
        )
    if outcome is not None and not outcome.ok:
        raise ScopeViolation(outcome.describe(), hint=HINT)
    return 0


HINT = (
    "unstage those paths (git restore --staged PATH); only the plan on the integration "
    "branch can widen a scope"
)

if __name__ == "__main__":
    raise SystemExit(main())


def run_hook() -> NoReturn:
    """The installed hook's entry: :func:`main`, then out at once, its output flushed,
    without the interpreter's teardown (~4 ms of a budget of ~40)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
