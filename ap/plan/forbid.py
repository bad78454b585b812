"""Global forbid: which touches aim at a protected path, and which the owner allowed.

An objective's scope_forbid always holds the global forbid, and forbid beats
touch when a change is checked, so a scope like ``src/`` that merely *contains*
a protected folder (``src/node_modules/``) is fine: that folder is carved out.
A touch pattern *aims* at a protected path, and then needs the owner's
``--allow``, when

- it lies inside what the forbid pattern protects (``.github/workflows/ci.yml``,
  ``.github/workflows/*.yml``, or the folder itself, ``.github/workflows``), or
- the forbid pattern protects a fixed place (it does not start with a glob, like
  ``ap.yaml`` or ``.github/workflows/``) and the touch pattern matches a path there
  by itself, not only through a directory above it (``*`` names ``ap.yaml``).

Floating patterns such as ``**/node_modules/`` are only aimed at from inside, so
``docs/**/*.md`` does not need ``--allow`` for ``docs/node_modules/x.md``.

The owner's ``allowed`` patterns must then hold every path both touch and forbid
cover. Deciding that exactly would need the complement of a pattern, so it is
decided soundly — never permitting what is not allowed, sometimes asking for a
broader ``--allow`` than strictly needed: the touch pattern or the forbid pattern
must lie wholly inside one allowed pattern.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.scope import Pattern, covers, overlap, parse_pattern, reaches

_GLOB = "*?["


def _base(pattern: Pattern) -> tuple[str, bool] | None:
    """A directory D with every path ``pattern`` covers at or below D, and whether strictly below.

    None when that is only the repository root.
    """
    text = pattern.text
    if not any(ch in text for ch in _GLOB):
        return (text[:-1], True) if pattern.dir_only else (text, False)
    prefix = pattern.literal_prefix
    if "/" not in prefix:
        return None
    return prefix[: prefix.rindex("/")], True


def contained(inner: Pattern, outer: Pattern, *, case_sensitive: bool) -> bool:
    """True only if every path ``inner`` covers, ``outer`` covers too (sound, not complete)."""
    if inner.text == outer.text:
        return True
    base = _base(inner)
    if base is None:
        return False
    directory, strictly_below = base
    if covers(outer, directory, case_sensitive=case_sensitive):
        return True  # covering a directory covers everything below it
    return (
        strictly_below
        and outer.dir_only
        and covers(outer.text[:-1], directory, case_sensitive=case_sensitive)
    )


def aimed(touch: Pattern, forbid: Pattern, *, case_sensitive: bool) -> str | None:
    """A witness path when ``touch`` aims at what ``forbid`` protects (see the module doc)."""
    a, b = touch.folded_prefix(case_sensitive), forbid.folded_prefix(case_sensitive)
    if not (a.startswith(b) or b.startswith(a)):
        return None  # every path either covers starts with its prefix: they cannot meet
    if forbid.literal_prefix:
        witness = reaches(touch, forbid, case_sensitive=case_sensitive)
        if witness is not None:
            return witness
    if contained(touch, forbid, case_sensitive=case_sensitive) or _names_folder(
        touch, forbid, case_sensitive
    ):
        return overlap(touch, forbid, case_sensitive=case_sensitive)
    return None


def _names_folder(touch: Pattern, forbid: Pattern, case_sensitive: bool) -> bool:
    """Whether ``touch`` is the folder ``forbid`` closes off, or lies below it."""
    base = _base(touch)
    return (
        base is not None
        and forbid.dir_only
        and covers(forbid.text[:-1], base[0], case_sensitive=case_sensitive)
    )


def allowed_by(
    touch: Pattern, forbid: Pattern, allowed: Sequence[Pattern], *, case_sensitive: bool
) -> bool:
    """Whether the owner's ``allowed`` patterns hold every path both touch and forbid cover."""
    return any(
        contained(touch, a, case_sensitive=case_sensitive)
        or contained(forbid, a, case_sensitive=case_sensitive)
        for a in allowed
    )


def parse_all(patterns: Sequence[str]) -> list[Pattern]:
    """Parse forbid or allowed patterns; ``.git/`` may appear in a forbid list."""
    return [parse_pattern(p, allow_git_dir=True) for p in patterns]
