"""Where a symlink leads: resolved through the symlinks of the tree being checked.

A target is followed as the operating system follows it, one component at a
time: a component that is itself a symlink in the tree is replaced by its target
(so ``..`` after it climbs from where *that* link points, not from its name),
at most :data:`MAX_HOPS` links in all (Linux's limit; a loop never ends before it).
A target that is absolute, climbs above the repository, or needs more hops is
refused. The tree is given as a lookup: the target of the symlink at a path, or
None where the tree has no symlink.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

MAX_HOPS = 40
Links = Callable[[str], "str | None"]


class Resolution(NamedTuple):
    """The repository path a symlink leads to, or why it leads nowhere allowed."""

    path: str | None
    problem: str | None = None
    through: tuple[str, ...] = ()  # the symlinks followed on the way, besides the first


def _bad_target(target: str) -> str | None:
    if not target:
        return "is empty"
    if target.startswith("/"):
        return "is absolute (outside the repository)"
    if "\\" in target or "\0" in target:
        return "holds a backslash or NUL (no portable target does)"
    return None


def resolve_link(link_path: str, target: str, links: Links) -> Resolution:
    """Follow the symlink at ``link_path`` (pointing at ``target``) through ``links``."""
    problem = _bad_target(target)
    if problem is not None:
        return Resolution(None, f"symlink target {target!r} {problem}")
    where = link_path.split("/")[:-1]  # the folder holding the link
    pending = target.split("/")[::-1]  # components still to walk, next one last
    through: list[str] = []
    while pending:
        name = pending.pop()
        if name in ("", "."):
            continue
        if name == "..":
            if not where:
                return Resolution(None, f"symlink target {target!r} is outside the repository")
            where.pop()
            continue
        here = "/".join([*where, name])
        found = links(here)
        if found is None:
            where.append(name)
            continue
        through.append(here)
        if len(through) + 1 > MAX_HOPS:
            return Resolution(
                None, f"symlink target {target!r}: too many levels of symbolic links (a loop?)"
            )
        problem = _bad_target(found)
        if problem is not None:
            return Resolution(
                None, f"symlink target {target!r} leads through {here!r} whose target {problem}"
            )
        pending.extend(found.split("/")[::-1])
    if not where:
        return Resolution(None, f"symlink target {target!r} is the repository's root folder")
    return Resolution("/".join(where), None, tuple(through))
