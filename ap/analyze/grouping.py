"""Candidate files → objectives with exclusive scopes.

Source files are grouped by the folder they live in; a test joins the group of
the source it tests; files that most changes touch (changelogs, indexes — found
from the history, not by name) and documentation go to a final integration
objective that depends on the others, so glue is written last.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ap.analyze.index import RepoIndex

DOC_LANGUAGES = frozenset({"markdown", "rst", "text", "other"})


@dataclass
class Group:
    key: str
    files: list[str] = field(default_factory=list)
    integration: bool = False
    patterns: list[str] = field(default_factory=list)  # globs for files not yet created


def _stem(path: str) -> str:
    name = PurePosixPath(path).stem
    for affix in ("test_", "_test", ".test", ".spec", "tests"):
        name = name.removeprefix(affix) if affix.endswith("_") else name.removesuffix(affix)
    return name


def tested_source(test: str, sources: list[str]) -> str | None:
    """The source file a test file is about (`tests/test_core.py` → `src/pkg/core.py`)."""
    stem = _stem(test)
    matches = [s for s in sources if PurePosixPath(s).stem == stem]
    return matches[0] if matches else None


def group_files(index: RepoIndex, files: list[str], glue: set[str]) -> list[Group]:
    """Exclusive groups: every file in exactly one, glue and docs in the integration group."""
    groups: dict[str, Group] = {}
    integration = Group(key="integration", integration=True)
    info = index.files
    sources = [
        f
        for f in files
        if f not in glue
        and f in info
        and not info[f].is_test
        and info[f].language not in DOC_LANGUAGES
    ]
    for path in sources:
        key = str(PurePosixPath(path).parent)
        groups.setdefault(key, Group(key=key)).files.append(path)
    source_group = {p: g for g in groups.values() for p in g.files}
    leftovers: defaultdict[str, list[str]] = defaultdict(list)
    for path in files:
        if path in source_group:
            continue
        if (
            path in glue
            or path not in info
            or (info[path].language in DOC_LANGUAGES and not info[path].is_test)
        ):
            integration.files.append(path)
            continue
        owner = tested_source(path, sources) if info[path].is_test else None
        if owner is not None:
            source_group[owner].files.append(path)
        else:
            leftovers[str(PurePosixPath(path).parent)].append(path)
    for key, paths in leftovers.items():
        groups.setdefault(key, Group(key=key)).files.extend(paths)
    ordered = sorted(groups.values(), key=lambda g: g.key)
    if integration.files:
        ordered.append(integration)
    return ordered
