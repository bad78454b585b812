"""The one error boundary of ap (docs/DESIGN.md §8): every failure → a message and an exit code.

Shared by the command line (:func:`ap.cli.main`) and the pre-commit hook's fast path
(:func:`ap.run.hookcheck.main`), so both print the same ``error:`` and ``hint:`` lines
and exit with the same codes: an :class:`ApError` its own code, Ctrl-C (or SIGTERM)
130, a path the user can fix 2, anything else 3 with the traceback in a log file.
Free of click and pydantic: the hook imports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ap.core.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, ApError

if TYPE_CHECKING:
    from pathlib import Path  # (not loaded on the hook's path: ~5 ms)


def guarded(run: Callable[[], int], *, json: Callable[[], bool] = lambda: False) -> int:
    """The exit code of ``run()``, every exception it raises reported as ap reports it.

    ``json()`` says (once the error is known) whether an ``error`` event is also
    written on stdout for scripts.
    """
    try:
        return run()
    except ApError as exc:
        report(exc.message, exc.hint, exc.exit_code, json=json())
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: anything else is our bug
        return unexpected(exc, json=json())


def report(message: str, hint: str | None, code: int, *, json: bool = False) -> None:
    """Print an error (and its hint) on stderr; with ``json``, an ``error`` event on stdout."""
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
    if json:
        from ap.core.events import event, to_json

        ev = event("error", "cli", message=message, hint=hint, exit_code=code)
        sys.stdout.write(to_json(ev) + "\n")
        sys.stdout.flush()


def unexpected(exc: Exception, *, json: bool = False) -> int:
    """Report an exception ap has no error for: a fixable path (exit 2), or our bug (exit 3)."""
    mistake = file_system_mistake(exc)
    if mistake is not None:
        report(*mistake, EXIT_USAGE, json=json)
        return EXIT_USAGE
    log = write_crash_log(exc)
    where = f"; the traceback is in {log}" if log else ""
    report(f"internal error: {type(exc).__name__}: {exc}{where}", None, EXIT_INTERNAL, json=json)
    return EXIT_INTERNAL


def file_system_mistake(exc: BaseException) -> tuple[str, str] | None:
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


def log_path() -> Path:
    """Where internal errors' tracebacks are kept (``$XDG_CACHE_HOME/ap/ap.log``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    from pathlib import Path

    return Path(base) / "ap" / "ap.log"


def write_crash_log(exc: BaseException) -> Path | None:
    """Append ``exc``'s traceback to the log; its path, or None when it cannot be written."""
    import traceback
    from datetime import datetime, timezone

    from ap import __version__

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"### {datetime.now(timezone.utc).isoformat()} ap {__version__}\n")
            handle.write(f"argv: {sys.argv!r}\n")
            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
            handle.write("\n")
    except OSError:
        return None
    return path
