"""The command line's side of ap's one error boundary (:mod:`ap.core.boundary`, shared
with the pre-commit hook's fast path): click's own outcomes become ap's exit codes;
SIGTERM and SIGHUP stop ap as Ctrl-C does."""

from __future__ import annotations

import gc
import signal
import threading
from typing import Any

import click

from ap.cli.app import App
from ap.cli.root import cli
from ap.core.boundary import guarded
from ap.core.errors import EXIT_USAGE


def _run(app: App, argv: list[str] | None) -> int:
    """The exit code of the command; click's own outcomes made ap's (the rest: guarded)."""
    try:
        rv = cli.main(args=argv, prog_name="ap", standalone_mode=False, obj=app)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    return rv if isinstance(rv, int) else 0


def main(argv: list[str] | None = None) -> int:
    """Run ap; map every failure to a message and an exit code (docs/DESIGN.md §8)."""
    # What is loaded by now (modules, classes, pydantic's schemas) lives until exit:
    # the collector need not walk it, during the run or at exit (~50 ms less per run).
    gc.freeze()
    app = App()
    previous = _stop_on_termination()
    try:
        return guarded(lambda: _run(app, argv), json=lambda: app.json)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_termination() -> dict[int, Any]:
    """SIGTERM (a CI job cancelled, a service stopped) and SIGHUP (the terminal closed)
    stop ap as Ctrl-C does: workers killed, worktrees removed, resumable. The handlers
    they replace, to be put back; an ignored signal stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    return {
        signum: signal.signal(signum, interrupt)
        for signum in (signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(signum) is not signal.SIG_IGN  # (`nohup ap run` stays immune)
    }
