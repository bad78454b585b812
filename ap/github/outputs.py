"""What a step hands back to its workflow, and untrusted text made safe to quote.

:class:`StepOutputs` writes ``GITHUB_OUTPUT`` (``name<<DELIMITER`` blocks, with
a random delimiter that is not in the value) and appends to
``GITHUB_STEP_SUMMARY``. :func:`escape_markdown` turns an issue title, body or
comment into markdown that renders as the same plain text: no HTML, links,
images, headings, mentions, issue references or ``${{``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from ap.core.text import clean_text
from ap.github.context import GitHubEventError

SUMMARY_MAX_CHARS = 1024 * 1024  # GitHub's limit for one step's summary is 1 MiB
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")


class StepOutputs:
    """The step's ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` files.

    Outside an Action (a path is ``None``) writing is a no-op, so handlers can
    run on a laptop unchanged.
    """

    def __init__(self, output: Path | None, summary: Path | None) -> None:
        self.output = output
        self.summary = summary

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StepOutputs:
        output, summary = env.get("GITHUB_OUTPUT"), env.get("GITHUB_STEP_SUMMARY")
        return cls(Path(output) if output else None, Path(summary) if summary else None)

    def set_output(self, name: str, value: str) -> None:
        """Make ``steps.<id>.outputs.<name>`` equal ``value`` (any text, newlines included)."""
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"{name!r} is not a usable output name")
        if self.output is None:
            return
        delimiter = _delimiter(value)
        _append(self.output, f"{name}<<{delimiter}\n{value}\n{delimiter}\n", "GITHUB_OUTPUT")

    def append_summary(self, markdown: str) -> None:
        """Add ``markdown`` to the run's summary page."""
        if self.summary is None:
            return
        if len(markdown) > SUMMARY_MAX_CHARS:
            markdown = markdown[: SUMMARY_MAX_CHARS - 100] + "\n\n… (summary truncated)"
        _append(self.summary, markdown.rstrip("\n") + "\n", "GITHUB_STEP_SUMMARY")


def _delimiter(value: str) -> str:
    while True:
        delimiter = f"ap_{secrets.token_hex(16)}"
        if delimiter not in value:
            return delimiter


def _append(path: Path, text: str, name: str) -> None:
    try:
        with path.open("a", encoding="utf-8", errors="replace", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise GitHubEventError(
            f"cannot write {name} ({path}): {exc.strerror}",
            hint=f"{name} must name a writable file (GitHub Actions sets it)",
        ) from exc


# -- untrusted text into markdown -----------------------------------------------------------

_SPACES = re.compile(r"\s+")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)  # would start an indented code block
_ZWSP = "&#8203;"
# Every character that can start markdown syntax is backslash-escaped; HTML's
# are entities; "@" and "#" get a zero-width space so no one is mentioned and no
# issue is cross-referenced.
_ESCAPES = str.maketrans(
    {
        **{c: "\\" + c for c in "\\`*_{}[]()+-.!|~$=:^"},
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        "@": "@" + _ZWSP,
        "#": "#" + _ZWSP,
    }
)


def escape_markdown(text: str, *, limit: int = 4000, inline: bool = False) -> str:
    """Untrusted ``text`` as markdown that GitHub renders as that literal text.

    At most ``limit`` characters are kept, with a note saying how many there
    were. ``inline`` folds all whitespace into single spaces (for a title or a
    table cell); otherwise line breaks are kept.
    """
    cleaned = clean_text(text)
    if inline:
        cleaned = _SPACES.sub(" ", cleaned).strip()
    escaped = _INDENT.sub("", cleaned[:limit]).translate(_ESCAPES)
    if len(cleaned) <= limit:
        return escaped
    note = f"(truncated: {limit} of {len(cleaned)} characters shown)"
    return f"{escaped} … {note}" if inline else f"{escaped}\n\n… {note}"
