"""The one error boundary of ap: every failure becomes a message, a hint and an exit code
(docs/DESIGN.md §8); SIGTERM and SIGHUP stop ap as Ctrl-C does."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from ap import __version__
from ap.cli.app import App
from ap.cli.root import cli
from ap.core.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, ApError
from ap.core.events import event, to_json

# -- the error boundary -----------------------------------------------------


def _log_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ap" / "ap.log"


def _write_crash_log(exc: BaseException) -> Path | None:
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"### {datetime.now(timezone.utc).isoformat()} ap {__version__}\n")
            handle.write(f"argv: {sys.argv!r}\n")
            import traceback

            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
            handle.write("\n")
    except OSError:
        return None
    return path


def _report(app: App, message: str, hint: str | None, code: int) -> None:
    click.echo(f"error: {message}", file=sys.stderr)
    if hint:
        click.echo(f"hint: {hint}", file=sys.stderr)
    if app.json:
        ev = event("error", "cli", message=message, hint=hint, exit_code=code)
        sys.stdout.write(to_json(ev) + "\n")
        sys.stdout.flush()


def _file_system_mistake(exc: BaseException) -> tuple[str, str] | None:
    """A path the user can fix (a file where ap needs a folder, permissions, a full disk):
    its message and hint; None for any other error."""
    import errno

    fixable = {
        errno.ENOTDIR: "a file stands where ap needs a folder",
        errno.EEXIST: "a file stands where ap needs a folder",
        errno.EISDIR: "a folder stands where ap needs a file",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.ENAMETOOLONG: "the name is too long",
    }
    if not isinstance(exc, OSError) or exc.errno not in fixable or exc.filename is None:
        return None
    path = os.fsdecode(exc.filename)
    return (
        f"cannot use {path}: {fixable[exc.errno]}",
        f"move, remove or fix the permissions of {path}, then run the command again",
    )


def _unexpected(app: App, exc: Exception) -> int:
    """Report an exception ap has no error for: a fixable path (exit 2), or our bug (exit 3)."""
    mistake = _file_system_mistake(exc)
    if mistake is not None:
        _report(app, *mistake, EXIT_USAGE)
        return EXIT_USAGE
    log = _write_crash_log(exc)
    where = f"; the traceback is in {log}" if log else ""
    _report(app, f"internal error: {type(exc).__name__}: {exc}{where}", None, EXIT_INTERNAL)
    return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Run ap; map every failure to a message and an exit code (docs/DESIGN.md §8)."""
    # What is loaded by now (modules, classes, pydantic's schemas) lives until exit:
    # the collector need not walk it, during the run or at exit (~50 ms less per run).
    gc.freeze()
    app = App()
    code: int
    previous = _stop_on_termination()
    try:
        rv = cli.main(args=argv, prog_name="ap", standalone_mode=False, obj=app)
        code = rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as exc:
        code = int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except ApError as exc:
        _report(app, exc.message, exc.hint, exc.exit_code)
        code = exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: anything else is our bug
        code = _unexpected(app, exc)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


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
