"""Scope patterns: gitignore glob syntax, anchored at the repository root (docs/DESIGN.md §4).

``*`` and ``?`` never cross ``/``; ``[...]`` classes (``!``/``^`` negate, ranges);
a segment that is exactly ``**`` spans any number of directories; a trailing ``/``
means "directory only". Case folding, when on, is ASCII-only, as git's
``core.ignorecase`` does it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from ap.core.errors import ScopeError
from ap.scope.charset import ANY_SEGMENT_CHAR, MAX_CHAR, CharSet, segment_chars


class Star:
    """``*``: any run of characters within one segment."""

    __slots__ = ()


class Chars:
    """One character from a set (a literal, ``?`` or a class).

    Compared by identity: literals are shared (cached) and hashing stays cheap in
    the overlap search's caches.
    """

    __slots__ = ("insensitive", "sensitive")

    def __init__(self, sensitive: CharSet, insensitive: CharSet) -> None:
        self.sensitive = sensitive
        self.insensitive = insensitive

    def chars(self, case_sensitive: bool) -> CharSet:
        return self.sensitive if case_sensitive else self.insensitive


Token = Star | Chars
Segment = tuple[Token, ...]


class _Globstar:
    """A whole segment ``**``: zero or more directories."""

    def __repr__(self) -> str:
        return "GLOBSTAR"


GLOBSTAR = _Globstar()
Element = Segment | _Globstar
STAR = Star()
_META = "*?["


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_case(text: str, case_sensitive: bool) -> str:
    """``text`` as scopes compare it: as is, or ASCII-lowered (git's core.ignorecase folding)."""
    return text if case_sensitive else text.translate(_ASCII_LOWER)


class Pattern(NamedTuple):
    """A parsed, normalised scope pattern."""

    text: str
    elements: tuple[Element, ...]
    dir_only: bool = False

    @property
    def literal_prefix(self) -> str:
        """The text before the first glob character: every covered path starts with it."""
        cut = min((i for i, ch in enumerate(self.text) if ch in _META), default=len(self.text))
        return self.text[:cut]

    def folded_prefix(self, case_sensitive: bool) -> str:
        """The literal prefix as compared under the case mode."""
        return fold_case(self.literal_prefix, case_sensitive)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Pattern({self.text!r})"


# No checkout can hold a longer path or name (PATH_MAX on macOS, NAME_MAX), and the
# limits keep the exact overlap search (quadratic in the patterns' lengths) under a second.
MAX_PATTERN = 1024
MAX_SEGMENT = 255


def _reject(text: str, reason: str) -> ScopeError:
    quoted = repr(text)
    if len(text) > MAX_PATTERN + 1:  # its start, to be recognised, not pages of it
        quoted = f"{text[:40]!r}... ({len(text)} characters)"
    return ScopeError(
        f"scope pattern {quoted} is rejected: {reason}",
        hint="patterns are gitignore globs anchored at the repository root, e.g. src/auth/",
    )


def _check_text(body: str, text: str) -> None:
    """The rules of docs/DESIGN.md §4, applied to ``body`` (the pattern after a leading ``/``).

    Errors quote ``text``, the pattern as written: ``/!x`` is refused as ``/!x``.
    """
    if body != body.strip():
        raise _reject(text, "leading or trailing whitespace")
    if not body.strip("/"):
        raise _reject(text, "empty pattern")
    categories = {unicodedata.category(ch) for ch in body}
    if "Cc" in categories:
        raise _reject(text, "control character")
    if "Cs" in categories:  # no path can hold one: UTF-8 cannot encode it
        raise _reject(text, "a lone surrogate code point is not a character")
    if unicodedata.normalize("NFC", body) != body:
        raise _reject(text, "not in Unicode NFC form")
    if body.startswith("!"):
        raise _reject(text, "`!` negation is not supported in scopes")
    if "\\" in body:
        raise _reject(text, "backslashes are not allowed (use / as the separator)")


@lru_cache(maxsize=4096)
def _lit(ch: str) -> Chars:
    exact = CharSet.single(ch)
    return Chars(exact, exact.swapcase_closure())


_ANY = Chars(ANY_SEGMENT_CHAR, ANY_SEGMENT_CHAR)
# Any non-empty name: what `**` at the end, or a trailing `/`, adds below a directory.
ANY_NAME: Segment = (_ANY, STAR)


def _class(body: str, text: str) -> Chars:
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    if "[:" in body:
        raise _reject(text, "POSIX character classes like [:alpha:] are not supported")
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            ranges.append((ord(body[i]), ord(body[i + 2])))
            i += 3
        else:
            ranges.append((ord(body[i]), ord(body[i])))
            i += 1
    base = CharSet.of(ranges)

    def finish(chars: CharSet) -> CharSet:
        return segment_chars(chars.complement() if negated else chars)

    return Chars(finish(base), finish(base.swapcase_closure()))


def _segment(seg: str, text: str) -> Segment:
    tokens: list[Token] = []
    i = 0
    while i < len(seg):
        ch = seg[i]
        if ch == "*":
            tokens.append(STAR)
            i += 1
        elif ch == "?":
            tokens.append(_ANY)
            i += 1
        elif ch == "[":
            # A `]` right after `[`, `[!` or `[^` is a literal member of the class.
            start = i + 1
            if seg[start : start + 1] in ("!", "^"):
                start += 1
            end = seg.find("]", start + 1)
            if end < 0:
                raise _reject(text, "unterminated [ character class")
            tokens.append(_class(seg[i + 1 : end], text))
            i = end + 1
        else:
            tokens.append(_lit(ch))
            i += 1
    return tuple(tokens)


def _elements(segments: list[str], text: str, dir_only: bool) -> tuple[Element, ...]:
    out: list[Element] = []

    def globstar() -> None:
        if not out or out[-1] is not GLOBSTAR:
            out.append(GLOBSTAR)

    for seg in segments:
        if set(seg) == {"*"} and len(seg) > 1:
            globstar()
        else:
            out.append(_segment(seg, text))
    # A trailing `**` needs one segment and then covers everything below, which is
    # exactly what one more non-empty segment covers; so does a trailing `/`.
    if out[-1] is GLOBSTAR:
        out[-1] = ANY_NAME
    if dir_only:
        out.append(ANY_NAME)
    return tuple(out)


@lru_cache(maxsize=65536)
def _parse(text: str, allow_git_dir: bool) -> Pattern:
    body = text[1:] if text.startswith("/") else text
    if len(body) > MAX_PATTERN:
        raise _reject(text, f"longer than {MAX_PATTERN} characters")
    _check_text(body, text)
    dir_only = body.endswith("/")
    segments = (body[:-1] if dir_only else body).split("/")
    for seg in segments:
        if seg == "":
            raise _reject(text, "empty path segment (//)")
        if len(seg) > MAX_SEGMENT:
            raise _reject(text, f"a path segment longer than {MAX_SEGMENT} characters")
        if seg in (".", ".."):
            raise _reject(text, f"`{seg}` segment")
        if "**" in seg and seg.strip("*"):
            # git reads such stars inconsistently (`a**/b` covers `ab`), so scopes refuse them.
            raise _reject(text, "`**` must be a whole path segment (inside a name, use `*`)")
    if segments[0].lower() == ".git" and not allow_git_dir:
        raise _reject(text, "paths inside .git/ are never in a scope")
    return Pattern(text=body, elements=_elements(segments, text, dir_only), dir_only=dir_only)


def parse_pattern(text: str, *, allow_git_dir: bool = False) -> Pattern:
    """Parse and normalise one pattern; raise ScopeError naming it when it is rejected."""
    if not isinstance(text, str):
        raise ScopeError(
            f"scope pattern {text!r} is not a string",
            hint="patterns are gitignore globs anchored at the repository root, e.g. src/auth/",
        )
    return _parse(text, allow_git_dir)


def parse_scope(patterns: Iterable[str | Pattern], *, allow_git_dir: bool = False) -> list[Pattern]:
    """Parse every pattern of a scope (already parsed ones pass through)."""
    return [
        p if isinstance(p, Pattern) else parse_pattern(p, allow_git_dir=allow_git_dir)
        for p in patterns
    ]


# -- regular expressions ------------------------------------------------------


def _ranges_regex(chars: CharSet) -> str:
    parts = []
    for lo, hi in chars.ranges:
        a, b = re.escape(chr(lo)), re.escape(chr(hi))
        parts.append(a if lo == hi else f"{a}-{b}")
    return "".join(parts)


_NOT_SLASH = CharSet(((0, ord("/") - 1), (ord("/") + 1, MAX_CHAR)))


@lru_cache(maxsize=4096)
def _class_regex(chars: CharSet) -> str:
    if not chars:
        return "(?!)"
    if len(chars.ranges) == 1 and chars.ranges[0][0] == chars.ranges[0][1]:
        return re.escape(chr(chars.ranges[0][0]))
    # (missing from every code point but `/`, surrogates included: a path git could not
    # decode holds some, and a class matches none of them, as in ap.scope.automaton)
    missing = _NOT_SLASH.minus(chars)
    if len(missing.ranges) < len(chars.ranges):  # a negated class reads (and compiles) smaller
        return f"[^/{_ranges_regex(missing)}]"
    return f"[{_ranges_regex(chars)}]"


def _segment_regex(seg: Segment, case_sensitive: bool) -> str:
    out = []
    for token in seg:
        if isinstance(token, Star):
            out.append("[^/]*")
        else:
            out.append(_class_regex(token.chars(case_sensitive)))
    return "".join(out)


@lru_cache(maxsize=65536)
def pattern_regex(pattern: Pattern, case_sensitive: bool) -> str:
    """A regex (no anchors) matching exactly the paths ``pattern`` covers."""
    parts: list[str] = []
    last = len(pattern.elements) - 1
    for i, element in enumerate(pattern.elements):
        if isinstance(element, _Globstar):
            parts.append("(?:[^/]+/)*")
        else:
            parts.append(_segment_regex(element, case_sensitive) + ("/" if i < last else ""))
    return "".join(parts) + "(?:/.*)?"
