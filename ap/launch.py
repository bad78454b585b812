"""The ``ap`` command's entry point: the scope check the hooks run, or the full command line.

``ap check-scope --staged`` is what a pre-commit hook (ap's own, used directly
from ``hooks/``, or the pre-commit framework's ``ap-check-scope``) runs before
every commit. Spelled exactly so, it goes straight to the hook's check, which
prints and exits as the command does but loads neither click nor pydantic; any
other command line loads the full CLI.
"""

from __future__ import annotations

import sys

FAST = ["check-scope", "--staged"]


def main(argv: list[str] | None = None) -> int:
    """Run ``ap`` with ``argv`` (default: the process's arguments)."""
    args = sys.argv[1:] if argv is None else argv
    if args == FAST:
        from ap.run.hookcheck import main as check_staged

        return check_staged()
    from ap.cli import main as cli_main

    return cli_main(argv)
