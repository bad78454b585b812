"""What every command shares: the App (the repository, how events are shown), `--json`,
checks of option values."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from ap.console.renderers import Background, ConsoleRenderer, JsonLinesRenderer
from ap.core.events import Emit

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class App:
    """What every command needs: where the repository is and how to show events."""

    cwd: Path = field(default_factory=Path.cwd)
    json: bool = False
    verbose: bool = False
    _emit: Emit | None = None

    @property
    def emit(self) -> Emit:
        if self._emit is None:
            self._emit = JsonLinesRenderer() if self.json else ConsoleRenderer(verbose=self.verbose)
        return self._emit

    @contextmanager
    def background(self) -> Iterator[Emit]:
        """Events of a long, threaded run, drawn on their own thread (all shown by the end)."""
        emit = Background(lambda: self.emit)
        try:
            yield emit
        finally:
            emit.close()

    def plan(self, plan_ref: str | None) -> tuple[Any, Any, str]:
        """The repository, its ap.yaml and the plan PLAN names (or this branch's)."""
        from ap.run.ledger import resolve_plan_id

        git = self.git()
        config = repo_config(git)
        return git, config, resolve_plan_id(git, config, plan_ref)

    def git(self) -> Any:
        from ap.git import Git

        return Git.discover(self.cwd)

    def out(self, text: str) -> None:
        """Human output: stdout normally, stderr under --json (stdout is events only).

        Titles, requests and reasons may come from an issue or a worker: no terminal
        escape sequence or invisible character goes out.
        """
        from ap.core.text import for_terminal

        text = for_terminal(text)
        click.echo(text, file=sys.stderr if self.json else sys.stdout, nl=not text.endswith("\n"))


def _set_json(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(App).json = True
    return value


def json_option(func: F) -> F:
    """``--json`` on every command: stdout becomes JSON Lines events only."""
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_json,
        help="Write JSON Lines events on stdout instead of human output.",
    )(func)


pass_app = click.make_pass_decorator(App, ensure=True)


def timer_seconds(_: click.Context, __: click.Parameter, value: float | None) -> float | None:
    """Seconds a timer can wait: finite and within the platform's limit (``inf``, ``nan``
    or ``1e308`` crash the timer thread)."""
    import math
    import threading

    if value is not None and not (math.isfinite(value) and value <= threading.TIMEOUT_MAX):
        raise click.BadParameter(
            f"{value!r} is not a number of seconds up to {threading.TIMEOUT_MAX:.0f}"
        )
    return value


def repo_config(git: Any) -> Any:
    """The repository's ap.yaml."""
    from ap.core.config import load_config

    return load_config(git.root)
