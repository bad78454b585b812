"""Candidate files → objectives with exclusive scopes.

Source files are grouped by the folder they live in; a test joins the group of
the source it tests (by its name, else by what it imports); files that most
changes touch (changelogs, indexes — found from the history, not by name) and
documentation go to a final integration objective that depends on the others,
so glue is written last. More folders than ``MAX_OBJECTIVES`` allows merge up to
their common parent, closest folders first: a change an engineer would split
into a few parts is planned as a few objectives, not one per folder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ap.analyze.index import RepoIndex

DOC_LANGUAGES = frozenset({"markdown", "rst", "text", "other"})
MAX_OBJECTIVES = 4  # the integration objective included


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
    """The source file a test file is about (`tests/test_core.py` → `src/pkg/core.py`).

    Only a file named as a test pairs by name: `tests/__init__.py` or
    `tests/conftest.py` is about no `__init__.py` in particular.
    """
    stem = _stem(test)
    if stem == PurePosixPath(test).stem:
        return None
    matches = [s for s in sources if PurePosixPath(s).stem == stem]
    return matches[0] if matches else None


def imported_source(index: RepoIndex, test: str, sources: list[str]) -> str | None:
    """The one source among ``sources`` that ``test`` imports (None when none or several)."""
    modules = index.module_paths()
    wanted = set(sources)
    found: set[str] = set()
    for name in index.files[test].imports:
        target = modules.get(name) or modules.get(name.rpartition(".")[0])
        if target in wanted:
            found.add(target)
    return found.pop() if len(found) == 1 else None


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
        owner = (
            tested_source(path, sources) or imported_source(index, path, sources)
            if info[path].is_test
            else None
        )
        if owner is not None:
            source_group[owner].files.append(path)
        else:
            leftovers[str(PurePosixPath(path).parent)].append(path)
    for key, paths in leftovers.items():
        groups.setdefault(key, Group(key=key)).files.extend(paths)
    limit = max(1, MAX_OBJECTIVES - (1 if integration.files else 0))
    ordered = sorted(merge_to_parents(list(groups.values()), limit), key=lambda g: g.key)
    if integration.files:
        ordered.append(integration)
    return ordered


def _parent(a: str, b: str) -> str:
    """The deepest folder containing both folders (``.`` for the root)."""
    common = []
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y or x == ".":
            break
        common.append(x)
    return "/".join(common) or "."


def _closeness(a: Group, b: Group) -> tuple[int, int]:
    """How deep the common folder of two groups is, then how small they are together."""
    parent = _parent(a.key, b.key)
    depth = 0 if parent == "." else parent.count("/") + 1
    return depth, -(len(a.files) + len(b.files))


def merge_to_parents(groups: list[Group], limit: int) -> list[Group]:
    """At most ``limit`` groups: the two with the deepest common folder merge, smallest first."""
    groups = list(groups)
    while len(groups) > limit:
        pairs = [(a, b) for n, a in enumerate(groups) for b in groups[n + 1 :]]
        a, b = max(pairs, key=lambda pair: _closeness(*pair))
        merged = Group(key=_parent(a.key, b.key), files=a.files + b.files)
        merged.patterns = a.patterns + b.patterns
        groups = [g for g in groups if g is not a and g is not b] + [merged]
    return groups
