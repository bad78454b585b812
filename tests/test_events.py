"""Events: drawn on their own thread during a run (all, in order), and on a console."""

from __future__ import annotations

import io
import threading

import pytest

from ap.events import Background, ConsoleRenderer, event
from ap.models import Event


def test_background_shows_every_event_in_order_by_close() -> None:
    seen: list[str] = []
    made: list[str] = []

    def renderer() -> object:
        made.append(threading.current_thread().name)  # built on the drawing thread
        return lambda ev: seen.append(ev.type)

    emit = Background(renderer)  # type: ignore[arg-type]
    for number in range(200):
        emit(event(f"e{number}", "execution"))
    emit.close()
    assert seen == [f"e{number}" for number in range(200)]
    assert made == ["ap-events"]


def test_background_raises_the_renderers_first_error_at_close() -> None:
    seen: list[str] = []

    def render(ev: Event) -> None:
        if ev.type == "bad":
            raise ValueError("cannot draw")
        seen.append(ev.type)

    emit = Background(lambda: render)
    for kind in ("a", "bad", "b", "bad"):
        emit(event(kind, "execution"))
    with pytest.raises(ValueError, match="cannot draw"):
        emit.close()
    assert seen == ["a", "b"]  # the others were still shown


def test_console_keeps_long_paths_and_commands_on_one_line() -> None:
    """Messages and completions are not wrapped (a wrapped path can't be copied), unlike
    tables, which fit the width."""
    path = "docs/accomplishments/ACCOMPLISHMENT_" + "x" * 120 + ".md"
    out = io.StringIO()
    render = ConsoleRenderer(out)
    render(event("message", "demo", message=f"done. Look at it:\n  git show tip:{path}"))
    render(event("phase_complete", "planning", message=f"wrote {path}"))
    lines = out.getvalue().splitlines()
    assert lines[1] == f"  git show tip:{path}"
    assert lines[2].endswith(f"wrote {path}") and len(lines) == 3
