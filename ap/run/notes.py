"""Loose session notes: untracked ``.md`` files a person or an agent left in the root of
the repository's main work tree (``NOTES.md``, ``session-notes.md``).

The accomplishment is built on the integration branch, never in a work tree, so the
notes are read from the main work tree (the first of ``git worktree list``: where a
person works) when ``ap accomplish`` runs, and filed in its commit under
``<state>/sessions/<plan-id>/notes/``. A root copy is removed only once the published
commit holds exactly its bytes: a note edited meanwhile stays where it is. Tracked and
ignored files, symbolic links, the project's own documents (README, PRD, AGENTS,
CHANGELOG, LICENSE) and files over :data:`NOTE_LIMIT` bytes are never taken.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ap.git import Git

NOTE_LIMIT = 1 << 20  # bytes: a note, not a data file
PLACES = 100  # names tried for a note in its folder (NOTES.md, NOTES-2.md, ...)
RESERVED = {"readme", "prd", "agents", "changelog", "license"}


@dataclass(frozen=True)
class Note:
    """One loose note: its file name in the root, where it is, what it holds."""

    name: str
    path: Path
    data: bytes


def notes_folder(state_dir: str, plan_id: str) -> str:
    """Where a plan's notes are filed in the repository."""
    return f"{state_dir}/sessions/{plan_id}/notes"


def is_note_path(path: str, state_dir: str, plan_id: str) -> bool:
    """Whether ``path`` is where the accomplishment of ``plan_id`` files a note."""
    folder = notes_folder(state_dir, plan_id) + "/"
    return path.startswith(folder) and is_note_name(path[len(folder) :])


def is_note_name(name: str) -> bool:
    """A file name ap files as a note: ``*.md`` (any case), one plain printable segment,
    not one of the project's own documents."""
    stem, dot, ext = name.rpartition(".")
    return (
        bool(stem and dot)
        and ext.lower() == "md"
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
        and name.isprintable()
        and name == name.strip()
        and unicodedata.is_normalized("NFC", name)
        and stem.lower() not in RESERVED
    )


def main_worktree(git: Git) -> Path | None:
    """The repository's main work tree (None: it has none, e.g. a bare repository)."""
    trees = git.worktrees()
    if not trees:
        return None
    top = trees[0].path
    return top if (top / ".git").exists() else None


def loose_notes(git: Git) -> list[Note]:
    """The untracked, unignored notes in the main work tree's root, by name."""
    top = main_worktree(git)
    if top is None:
        return []
    names = sorted(git.at(top).untracked(":(glob)*.[mM][dD]"))
    found = []
    for name in names:
        data = _read_note(top / name) if is_note_name(name) else None
        if data is not None:
            found.append(Note(name, top / name, data))
    return found


def _read_note(path: Path) -> bytes | None:
    """The bytes of a regular file under the limit (None: not one)."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > NOTE_LIMIT:
            return None
        return path.read_bytes()
    except OSError:
        return None


def place_notes(git: Git, tip: str, folder: str, notes: list[Note]) -> dict[str, Note]:
    """Where each note goes under ``folder``: its own name, or ``<stem>-2.md`` and so on
    when ``tip`` holds that path already (a plan accomplished again after a retry)."""
    placed: dict[str, Note] = {}
    for note in notes:
        for path in _candidates(folder, note.name):
            if path not in placed and git.read_objects([f"{tip}:{path}"])[0] is None:
                placed[path] = note
                break
    return placed


def _candidates(folder: str, name: str) -> list[str]:
    stem, _, ext = name.rpartition(".")
    return [f"{folder}/{name}"] + [f"{folder}/{stem}-{n}.{ext}" for n in range(2, PLACES)]


def remove_filed(git: Git, commit: str, filed: dict[str, Note]) -> list[str]:
    """Remove each note's root copy when ``commit`` holds its bytes at its path in
    ``filed``; the names removed (a note changed since, or gone, is left alone)."""
    if not filed:
        return []
    held = git.read_objects([f"{commit}:{path}" for path in filed])
    removed = []
    for note, obj in zip(filed.values(), held, strict=True):
        if obj is None or obj[1] != "blob" or _read_note(note.path) != obj[2]:
            continue
        try:
            note.path.unlink()
        except OSError:
            continue
        removed.append(note.name)
    return removed


def filed_earlier(paths: list[str], folder: str, notes: list[Note]) -> dict[str, Note]:
    """The notes a finished accomplishment filed (its report's ``paths``) that are still
    in the root, by the path that may hold them: for a crash between commit and removal."""
    found: dict[str, Note] = {}
    for note in notes:
        for path in _candidates(folder, note.name):
            if path in paths and path not in found:
                found[path] = note
    return found
