"""The YAML front matter of ap's markdown artifacts, read without pydantic (the hook path)."""

from __future__ import annotations

from typing import Any

from ap.core.errors import ArtifactError

FRONT = "---\n"
# A damaged artifact: git holds every version of it.
FIX_HINT = (
    "fix its front matter (the YAML between the two `---` lines) or restore it from git "
    "(`git log -p -- PATH`); `ap validate` re-checks a plan"
)


def split_front_matter(text: str, *, where: str) -> tuple[str, int]:
    """The YAML text between the leading ``---`` lines, and the line it starts on."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith(FRONT):
        raise ArtifactError(
            f"{where}:1: no YAML front matter (the file must start with a `---` line)",
            hint=FIX_HINT,
        )
    end = text.find("\n---\n", len(FRONT) - 1)
    if end < 0:
        raise ArtifactError(f"{where}: the front matter has no closing `---` line", hint=FIX_HINT)
    return text[len(FRONT) : end + 1], 1


def load_front_matter(text: str, *, where: str) -> dict[str, Any]:
    """The front matter as plain data (a mapping), or ArtifactError naming ``where``."""
    import yaml

    front, _ = split_front_matter(text, where=where)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(front, Loader=loader)
    except yaml.YAMLError as exc:
        raise ArtifactError(
            f"{where}: the front matter is not valid YAML: {exc}", hint=FIX_HINT
        ) from None
    if not isinstance(data, dict):
        raise ArtifactError(f"{where}: the front matter is not a mapping", hint=FIX_HINT)
    return data
