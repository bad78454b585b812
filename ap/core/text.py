"""Untrusted text (issues, worker output, path names from a branch) made safe to show.

Line breaks of every kind become ``\\n``; control, bidi, zero-width and other
invisible format characters (and lone surrogates) are dropped, so text cannot
hide what it says or reorder it. For a terminal, escape sequences go first, so a
worker's output or a file name cannot recolour, retitle or rewrite the screen.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f\ud800-\udfff]"
)
# CSI (ESC [ … final), OSC and the other string commands (… BEL or ESC \), any other
# ESC + one character; and their one-byte C1 forms.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)


def clean_text(text: str) -> str:
    """``text`` with line breaks normalised and invisible characters removed."""
    return _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", text))


def for_terminal(text: str) -> str:
    """:func:`clean_text`, after removing terminal escape sequences whole."""
    return clean_text(_ESCAPES.sub("", text))
