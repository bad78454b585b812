"""How events are shown: a rich console renderer for people, JSON Lines for machines
(``--json``), and a background thread that draws while a run works."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from ap.core.events import Emit, to_json

if TYPE_CHECKING:
    from ap.console.live import RunningPanel
    from ap.core.models import Event


class JsonLinesRenderer:
    """``--json``: every event as one JSON object per line on stdout."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, ev: Event) -> None:
        self.stream.write(to_json(ev) + "\n")
        self.stream.flush()


class Background:
    """An Emit that renders on its own thread, so the threads emitting never wait for it.

    ``ap run`` emits from many threads while it works; drawing (and loading the
    renderer) happens meanwhile. :meth:`close` shows everything still queued and
    raises the first error the renderer met.
    """

    def __init__(self, renderer: Callable[[], Emit]) -> None:
        self._renderer = renderer
        self._queue: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="ap-events", daemon=True)
        self._thread.start()

    def __call__(self, ev: Event) -> None:
        self._queue.put(ev)

    def _loop(self) -> None:
        render: Emit | None = None
        while (ev := self._queue.get()) is not None:
            try:
                render = render or self._renderer()
                render(ev)
            except Exception as exc:  # shown when the run ends, not lost in this thread
                self._error = self._error or exc
        finish = getattr(render, "finish", None)
        if finish is not None:
            try:
                finish()  # (a live display is taken down)
            except Exception as exc:
                self._error = self._error or exc

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def plain_wanted(stream: IO[str]) -> bool:
    """No colours or live drawing when not a terminal, a dumb one, or when NO_COLOR is set."""
    dumb = os.environ.get("TERM") == "dumb"
    return bool(os.environ.get("NO_COLOR")) or dumb or not stream.isatty()


class ConsoleRenderer:
    """Events for people: phase headers, tables, progress lines (rich).

    On a terminal, the objectives a run is working on are also drawn live below
    the lines printed so far: one line each, with its elapsed time and the last
    line its worker wrote (the periodic progress lines are then not printed).
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        verbose: bool = False,
        terminal: bool | None = None,
    ) -> None:
        from rich.console import Console

        stream = stream or sys.stderr
        plain = not terminal if terminal is not None else plain_wanted(stream)
        self.console = Console(
            file=stream,
            no_color=plain,
            highlight=False,
            emoji=False,
            force_terminal=not plain,
            width=100 if plain else None,
        )
        self.verbose = verbose
        self.live = not plain
        self._panel: RunningPanel | None = None  # once a run starts work

    def __call__(self, ev: Event) -> None:
        from ap.console import live

        # Paths, titles and worker output may come from anyone: the views read every
        # value through live.value(), which lets no escape sequence pass (only
        # what is shown is cleaned: a plan carried whole is not, unless it is printed).
        if self.live and ev.phase == "execution":
            if self._panel is None:
                self._panel = live.RunningPanel(self.console)
            if self._panel.take(ev):
                return  # shown in the live lines
        view = live.VIEWS.get(ev.type)
        if view is not None:
            view(self.console, ev)
        elif self.verbose:
            live.generic(self.console, ev)

    def finish(self) -> None:
        """Take down the live lines (a run ended, or stopped)."""
        if self._panel is not None:
            self._panel.stop()
