"""Events: drawn on their own thread during a run (all, in order), and on a console."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import pyte
import pytest
from rich.console import Console

from ap.console.live import follow
from ap.console.renderers import Background, ConsoleRenderer, plain_wanted
from ap.core.events import event
from ap.core.models import Event


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


def _screen(output: str) -> list[str]:
    """What a terminal shows after ``output`` (pyte, 80 columns)."""
    screen = pyte.Screen(80, 24)
    pyte.Stream(screen).feed(output.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display if line.strip()]


def _run_events() -> list[Event]:
    return [
        event("objective_started", "execution", task="T1", worker="py", message="T1: started"),
        event("objective_started", "execution", task="T2", worker="py", message="T2: started"),
        event(
            "objective_progress", "execution", task="T1", elapsed=5.0,
            last_activity="compiling", message="T1: running 5 s — compiling",
        ),
    ]  # fmt: skip


def test_a_terminal_shows_what_a_run_works_on_live_then_only_the_lines() -> None:
    out = io.StringIO()
    render = ConsoleRenderer(out, terminal=True)
    for ev in _run_events():
        render(ev)
    deadline = time.monotonic() + 10
    while (
        "compiling" not in " ".join(shown := _screen(out.getvalue()))
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)  # the live lines are redrawn four times a second
    assert shown[:2] == ["T1: started", "T2: started"]
    live = [line.split() for line in shown[2:]]  # task, state, seconds, "s", worker, activity
    assert [row[:2] + row[3:] for row in live] == [
        ["T1", "running", "s", "py", "compiling"],
        ["T2", "running", "s", "py"],
    ]
    assert all(row[2].isdigit() for row in live)
    render(event("objective_finished", "execution", task="T1", status="done", message="T1: done"))
    render(event("objective_finished", "execution", task="T2", status="done", message="T2: done"))
    render.finish()
    assert _screen(out.getvalue()) == ["T1: started", "T2: started", "T1: done", "T2: done"]


def test_elsewhere_progress_is_printed_as_lines() -> None:
    out = io.StringIO()
    render = ConsoleRenderer(out, terminal=False)
    for ev in _run_events():
        render(ev)
    render.finish()
    assert out.getvalue().splitlines() == [
        "T1: started",
        "T2: started",
        "T1: running 5 s — compiling",
    ]


def test_watching_redraws_in_place_and_leaves_the_last_state() -> None:
    """``ap status --watch`` on a terminal: each look replaces the last, none piles up."""
    looks = iter(
        [
            ("plan p: running\nwave 1\n  T1 running 1s", False),
            ("plan p: running\nwave 1\n  T1 running 2s", False),
            ("plan p: done\nwave 1 (merged)\n  T1 merged 3s", True),
        ]
    )
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, highlight=False)
    follow(console, lambda: next(looks), 0.01)
    assert _screen(out.getvalue()) == ["plan p: done", "wave 1 (merged)", "  T1 merged 3s"]


def test_live_drawing_only_on_a_capable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not plain_wanted(Tty()) and plain_wanted(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")  # (no cursor movement there)
    assert plain_wanted(Tty())
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")
    assert plain_wanted(Tty())


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["status", "--help"]])
def test_help_imports_no_model(args: list[str]) -> None:
    """`ap --help` is quick: no pydantic model is built for it (nor for a command's help)."""
    probe = (
        "import sys\n"
        "from ap.cli import main\n"
        f"code = main({args!r})\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m == 'pydantic' or m.startswith('ap.core.models')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"


def test_the_console_cleans_only_what_it_shows() -> None:
    """A plan carried whole by an event (thousands of objectives) is not walked for a
    terminal unless a view prints it; what is printed is still cleaned."""
    from pydantic import BaseModel

    class Untouchable(BaseModel):
        def model_dump(self, *args: object, **kwargs: object) -> dict[str, object]:
            raise AssertionError("walked though never shown")

    out = io.StringIO()
    render = ConsoleRenderer(out)
    render(event("phase_complete", "planning", message="plan \x1b[2Jready", plan=Untouchable()))
    assert out.getvalue().strip() == "✓ plan ready"
