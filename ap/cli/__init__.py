"""The command line: parse → call core → render. Click is imported here and nowhere else.

Commands are thin: they call typed core functions that return data and emit events, and
return an exit code. One module a group of commands (:mod:`.planning`, :mod:`.execution`,
:mod:`.checks`, :mod:`.reading`, :mod:`.setup`, :mod:`.github`), the root group in
:mod:`.root`, what they share in :mod:`.app`, the one error boundary in :mod:`.boundary`.
"""

from __future__ import annotations

from ap.cli import checks, execution, github, planning, reading, setup  # noqa: F401 (commands)
from ap.cli.boundary import main
from ap.cli.root import cli

__all__ = ["cli", "main"]
