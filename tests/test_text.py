"""Untrusted text on a terminal: checked against a terminal emulator (pyte).

Whatever a worker prints or a branch names, once through :func:`for_terminal` it
only puts characters on the screen: no colour, no title, no cursor move, no mode.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pyte
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ap.cli import main
from ap.console.renderers import ConsoleRenderer
from ap.core.events import event
from ap.core.text import clean_text, for_terminal
from tests.helpers import make_repo

HOSTILE = [
    "\x1b[31mred\x1b[0m",  # colour
    "\x1b]0;pwned\x07",  # window title (BEL)
    "\x1b]2;pwned\x1b\\",  # window title (ST)
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b[1A\x1b[2Kfake line",  # rewrite the line above
    "a\rfake",  # carriage return: overwrite what came before
    "\x9b31mC1 colour",  # the one-byte CSI
    "\x1bcreset",  # full reset
    "\x1b[?1049h",  # alternate screen
    "\x1b[38;2;255;0;0mtrue colour",
    "\x1bP1$qm\x1b\\",  # a device control string
    "before\x1b",  # a lone escape at the end
    "\u202eevil\u202c",  # bidi override
]
# Text and the controls, escapes and pieces of escapes hostile output is made of.
PIECES = st.lists(
    st.one_of(
        st.text(max_size=8),
        st.sampled_from(HOSTILE),
        st.sampled_from(["\x1b", "[", "]", ";", "\x07", "\x9b", "\x9d", "\\", "\r", "m"]),
    ),
    max_size=12,
).map("".join)


def _screen_after(text: str) -> pyte.Screen:
    screen = pyte.Screen(200, 4)
    pyte.Stream(screen).feed(text.replace("\n", " "))
    return screen


def _untouched(screen: pyte.Screen) -> bool:
    """Only characters were put down: no line moved, no title, every cell plain."""
    cells = [screen.buffer[y][x] for y in range(screen.lines) for x in range(screen.columns)]
    plain = all(
        (c.fg, c.bg, c.bold, c.reverse) == ("default", "default", False, False) for c in cells
    )
    return screen.cursor.y == 0 and not screen.title and plain


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_output_would_change_the_terminal_and_does_not_once_cleaned(text: str) -> None:
    assert not _untouched(_screen_after(text)) or _shown(text) != text  # the oracle sees it
    cleaned = for_terminal(text)
    assert _untouched(_screen_after(cleaned))
    assert "\x1b" not in cleaned and "\x9b" not in cleaned


def _shown(text: str) -> str:
    return _screen_after(text).display[0].rstrip()


@settings(max_examples=300, deadline=None)
@given(PIECES)
def test_nothing_but_characters_reaches_the_terminal(text: str) -> None:
    cleaned = for_terminal(text)
    assert _untouched(_screen_after(cleaned))
    # and what is shown is the cleaned text itself, character for character (ASCII here)
    if cleaned.isascii() and "\n" not in cleaned and "\t" not in cleaned:
        assert _shown(cleaned) == cleaned.rstrip()


@given(st.text(st.characters(codec="ascii", categories=["L", "N", "P", "S", "Zs"])))
def test_plain_text_is_left_as_it_is(text: str) -> None:
    assert for_terminal(text) == text == clean_text(text)


def test_the_console_shows_no_escape_from_an_event() -> None:
    """A worker's last line or a path in a reason goes through the console clean."""
    out = io.StringIO()
    render = ConsoleRenderer(out, verbose=True)
    render(event("objective_progress", "execution", task="T1", message="T1: \x1b]0;pwned\x07ok"))
    render(event("objective_finished", "merge", task="T2", status="failed", reason="\x1b[2Jx"))
    render(event("something_else", "execution", detail="\x1b[31mred"))
    shown = out.getvalue()
    assert "\x1b" not in shown and "pwned" not in shown
    assert "T1: ok" in shown and "T2: failed — x" in shown and "red" in shown


def test_titles_from_a_plan_reach_the_terminal_clean(tmp_path: Path) -> None:
    """``ap status``, ``ap show`` and ``ap prompt`` print plan text (an issue's, perhaps)."""
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n", "src/a.py": "a = 1\n"})
    objectives = tmp_path / "objectives.yaml"
    objectives.write_text(
        'request: "Add \\e]0;pwned\\a things"\nobjectives:\n'
        '  - id: T1\n    title: "Tokens \\e[2J\\e[31mred"\n    scope_touch: [src/]\n'
    )
    assert main(["-C", str(repo.root), "plan", "--from", str(objectives)]) == 0
    plan_id = next((repo.root / "docs/plans").glob("PLAN_*.md")).stem.removeprefix("PLAN_")
    for args in (["status"], ["show"], ["prompt", plan_id, "T1"]):
        proc = subprocess.run(
            [sys.executable, "-m", "ap", *args], cwd=repo.root,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "Tokens red" in proc.stdout, args
        assert "\x1b" not in proc.stdout + proc.stderr and "\a" not in proc.stdout, args
