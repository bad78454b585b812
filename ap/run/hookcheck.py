"""The pre-commit hook's entry point: ``ap check-scope --staged`` without click or pydantic.

``python -m ap.run.hookcheck`` prints what ``ap check-scope --staged`` prints and
exits with the same code; it only imports what the check needs, so a commit
waits milliseconds, not the time it takes to load the whole command line.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    from ap.core.errors import ApError
    from ap.git import Git, locate
    from ap.run.enforce import Settings, check_staged

    try:
        where = locate()
        if where is None:  # unusual (no commit yet, not a repository): the full command says
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
    except ApError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except Exception:  # the full command line logs internal errors properly
        from ap.cli import main as cli_main

        return cli_main(["check-scope", "--staged"])
    if outcome is None or outcome.ok:
        return 0
    print(f"error: {outcome.describe()}", file=sys.stderr)
    print(f"hint: {HINT}", file=sys.stderr)
    return 1


HINT = (
    "unstage those paths (git restore --staged PATH); only the plan on the integration "
    "branch can widen a scope"
)

if __name__ == "__main__":
    raise SystemExit(main())
