"""Files the change may create: ``folder/*word*.ext`` where the project's new files go.

A request about cookies that adds ``tests/client/test_cookies.py`` names no file
that exists yet. The history says in which folders files keep appearing (tests/,
docs/, changelog fragments, migrations) and with which suffix; the request's rarer
words say what a new file there would be called. A glob is kept only when it
would not pull many existing files into the scope, so it stays a bet on new files.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from ap.analyze.grouping import DOC_LANGUAGES, Group
from ap.analyze.history import History
from ap.analyze.index import RepoIndex
from ap.analyze.text import STOPWORDS

NEW_FILE_WORDS = 3
MAX_FOLDERS = 4
MIN_ADDED = 2  # files that appeared in a folder before it counts as one where files appear
MAX_EXISTING = 2  # existing files a glob may add to the scope beyond the chosen ones
TEST_FOLDERS = 2  # folders of tests where tests keep appearing, for the change's new test


# a word, or a name with its version as modules are named after them (HTTP/2 → http2)
_WORD = re.compile(r"[A-Za-z]+[/-]?\d+\b|[A-Za-z][a-z]+|[A-Z]+(?![a-z])")


def rare_words(index: RepoIndex, request: str) -> list[str]:
    """Up to three words of the request's first line that few paths contain."""
    first = request.strip().splitlines()[0] if request.strip() else ""
    paths = [p.lower() for p in index.files]
    picked: list[str] = []
    for raw in _WORD.findall(first):
        word = re.sub(r"[/-]", "", raw).lower()
        word = word[:-1] if word.endswith("s") and len(word) > 4 else word
        if len(word) < 5 or word in STOPWORDS or word in picked:
            continue
        if sum(word in p for p in paths) <= 0.1 * len(paths):
            picked.append(word)
    return picked[:NEW_FILE_WORDS]


def _folder(path: str) -> str:
    """The folder of ``path`` (``.`` at the root), as ``PurePosixPath.parent`` has it."""
    return path.rpartition("/")[0] or "."


def _anchors(index: RepoIndex, history: History, chosen: list[str]) -> list[tuple[str, str]]:
    """``(folder, suffix)`` pairs: chosen files' folders where files appeared, best first.

    The suffix is the commonest of the files that appeared there; there is always
    one, so that a glob never covers a folder named like the word.

    A young history that shows no growth falls back to the folders of the best
    source file and the best test, with their suffixes. The test folders where the
    project adds most tests come last.
    """
    grown: list[tuple[str, str]] = []
    for path in chosen:
        folder = _folder(path)
        added = history.added.get(folder, Counter())
        suffix = max(added, key=lambda s: (bool(s), added[s]), default="")
        if suffix and sum(added.values()) >= MIN_ADDED and folder not in (f for f, _ in grown):
            grown.append((folder, suffix))
    anchors = grown[:MAX_FOLDERS] or _young_anchors(index, chosen)
    return anchors + [a for a in _growing_test_folders(index, history) if a not in anchors]


def _young_anchors(index: RepoIndex, chosen: list[str]) -> list[tuple[str, str]]:
    """The folders of the best source file and the best test, with their suffixes."""
    info = index.files
    src = [p for p in chosen if not info[p].is_test and info[p].language not in DOC_LANGUAGES]
    tests = [p for p in chosen if info[p].is_test]
    anchors = [(_folder(p), PurePosixPath(p).suffix) for p in src[:1] + tests[:1]]
    return [(folder, suffix) for folder, suffix in anchors if suffix]


def _growing_test_folders(index: RepoIndex, history: History) -> list[tuple[str, str]]:
    """``(folder, suffix)`` of the test folders where most tests appeared, most first.

    A change's new test goes where the project puts new tests, which need not be
    the folder of the tests chosen (``tests/typing/`` for a change of types).
    """
    grown = {f for f, added in history.added.items() if sum(added.values()) >= MIN_ADDED}
    tests = {f for p, info in index.files.items() if (f := _folder(p)) in grown and info.is_test}
    counts = [
        (sum(added.values()), folder, max(added, key=lambda s: (bool(s), added[s])))
        for folder, added in history.added.items()
        if folder in tests
    ]
    counts.sort(key=lambda c: (-c[0], c[1]))
    return [(folder, suffix) for _, folder, suffix in counts[:TEST_FOLDERS] if suffix]


def new_file_patterns(
    index: RepoIndex, history: History, request: str, chosen: list[str]
) -> list[str]:
    """Globs for files the change may create, named after the request's rarer words."""
    words = rare_words(index, request)
    if not words:
        return []
    names: defaultdict[str, list[str]] = defaultdict(list)
    for path in index.files:
        names[_folder(path)].append(path.rpartition("/")[2].lower())
    picked = set(chosen)
    patterns: list[str] = []
    for folder, suffix in _anchors(index, history, chosen):
        # "/" at the root: anchored for ap anyway, and for any gitignore reader too
        prefix = "/" if folder == "." else f"{folder}/"
        for word in words:
            glob = f"*{word}*{suffix}"
            extra = [
                n
                for n in names[folder]
                if fnmatchcase(n, glob) and f"{prefix}{n}".lstrip("/") not in picked
            ]
            if len(extra) <= MAX_EXISTING:
                patterns.append(f"{prefix}{glob}")
    return list(dict.fromkeys(patterns))


def _nearest_owner(owners: dict[str, Group], folder: str) -> Group | None:
    """The group owning ``folder``, else the one owning its closest parent folder."""
    while True:
        if folder in owners:
            return owners[folder]
        if folder in (".", ""):
            return None
        folder = _folder(folder)


def attach_patterns(groups: list[Group], patterns: list[str]) -> None:
    """Each folder's globs go to one objective that owns files there (no glob overlaps).

    A glob that matches a file of another objective is dropped: scopes stay disjoint.
    """
    owners: dict[str, Group] = {}
    for group in groups:
        for path in group.files:
            owners.setdefault(_folder(path), group)
    for group in groups:  # an objective with code beats the integration one
        if not group.integration:
            for path in group.files:
                if owners[_folder(path)].integration:
                    owners[_folder(path)] = group
    for pattern in patterns:
        folder = pattern.rsplit("/", 1)[0] or "."
        owner = _nearest_owner(owners, folder)
        glob = pattern.rpartition("/")[2]
        clash = any(
            fnmatchcase(f.rpartition("/")[2].lower(), glob) and _folder(f) == folder
            for g in groups
            if g is not owner
            for f in g.files
        )
        if owner is not None and not clash:
            owner.patterns.append(pattern)
