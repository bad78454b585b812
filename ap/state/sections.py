"""Managed sections of a text file, between ``<!-- ap:NAME -->`` markers.

Text outside the markers is never touched.
"""

from __future__ import annotations

from ap.core.errors import ArtifactError


def markers(name: str) -> tuple[str, str]:
    return f"<!-- ap:{name} -->", f"<!-- /ap:{name} -->"


def read_section(text: str, name: str) -> str | None:
    """The content between the markers of ``name``, or None when there is no such section."""
    start, end = markers(name)
    i = text.find(start)
    if i < 0:
        return None
    j = text.find(end, i)
    if j < 0:
        return None
    return text[i + len(start) : j].strip("\n")


def inert(content: str) -> str:
    """``content`` that cannot open an HTML comment, so no marker (of this section or
    another) can appear inside a section, and nothing in it can hide what follows."""
    return content.replace("<!--", "&lt;!--")


def update_section(text: str, name: str, content: str, *, where: str = "file") -> str:
    """``text`` with the section ``name`` holding ``content`` (appended when absent);
    ``content`` is made :func:`inert` first."""
    start, end = markers(name)
    block = f"{start}\n{inert(content).strip(chr(10)).rstrip()}\n{end}"
    i = text.find(start)
    if i < 0:
        if end in text:
            raise ArtifactError(f"{where}: found {end} without {start}", hint="fix the markers")
        sep = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
        if text and not text.endswith("\n\n"):
            sep = "\n" if text.endswith("\n") else "\n\n"
        return f"{text}{sep}{block}\n"
    j = text.find(end, i)
    if j < 0:
        raise ArtifactError(f"{where}: found {start} without {end}", hint="fix the markers")
    return text[:i] + block + text[j + len(end) :]
