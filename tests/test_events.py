"""Events drawn on their own thread during a run: all of them, in order, errors not lost."""

from __future__ import annotations

import threading

import pytest

from ap.events import Background, event
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
