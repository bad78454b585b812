"""Code the request names: identifiers (`copy_with`, ``URL.join``, CliRunner) and file names.

A request that names a function, a class, a method or a file says where the change
is far more precisely than its prose does. A name counts for the files that define
it (less when many files do) and, at half strength, for the files that import it;
a file name counts for the files of that name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from ap.analyze.index import RepoIndex

_QUOTED = re.compile(r"`([^`\n]+)`")
_DOTTED = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_IDENT = re.compile(r"[A-Za-z_]\w*")
# snake_case, _private, __dunder__, CamelCase, mixedCase, an acronym and a word
# (HTTPError, ASGIDispatch; not a plural like URLs): shapes prose words rarely have
_CODE_SHAPED = re.compile(
    r"\w*_\w*|[A-Z]+[a-z0-9]+[A-Z]\w*|[a-z]+[A-Z]\w*|[A-Z]{2,}[A-Z][a-z]{2,}\w*"
)
_FILE_NAME = re.compile(r"[\w.-]*\w\.[A-Za-z]\w{0,5}\b")
IMPORT_WEIGHT = 0.5
NAMED_WEIGHT = 0.5  # a module or test named after the name: `URL` → test_url.py, _urls.py


def code_names(request: str) -> set[str]:
    """Identifiers the request names: in backticks, dotted, or shaped like code."""
    names: set[str] = set()
    for quoted in _QUOTED.findall(request):
        names.update(_IDENT.findall(quoted))
    for dotted in _DOTTED.findall(request):
        names.update(dotted.split("."))
    names.update(w for w in _IDENT.findall(request) if _CODE_SHAPED.fullmatch(w))
    return {n for n in names if len(n) > 2}


def file_names(request: str) -> set[str]:
    """Lower-case words of the request that look like file names (``models.py``)."""
    return {m.lower().lstrip(".") for m in _FILE_NAME.findall(request)}


def _flat(name: str) -> str:
    """``_urls`` → ``url``, ``AsyncClient`` and ``async_client`` → ``asyncclient``."""
    flat = name.lower().replace("_", "")
    return flat[:-1] if flat.endswith("s") and len(flat) > 3 else flat


def _named(path: str) -> str:
    name = path.rpartition("/")[2]
    stem = name.rpartition(".")[0] if name.rpartition(".")[0] else name
    for affix in ("test_", "tests_"):
        stem = stem.removeprefix(affix)
    return _flat(stem.removesuffix("_test"))


def mention_scores(index: RepoIndex, request: str) -> dict[str, float]:
    """0..1 per file: it is named, or defines (or imports) a name the request mentions."""
    names = code_names(request)
    wanted_files = file_names(request)
    defined: defaultdict[str, list[str]] = defaultdict(list)
    imported: defaultdict[str, list[str]] = defaultdict(list)
    flat = {_flat(n): n for n in names}
    named: defaultdict[str, list[str]] = defaultdict(list)
    scores: defaultdict[str, float] = defaultdict(float)
    for path, info in index.files.items():
        if wanted_files and path.rpartition("/")[2].lower().lstrip(".") in wanted_files:
            scores[path] = 1.0
        for name in names.intersection(info.symbols).union(names.intersection(info.members)):
            defined[name].append(path)
        for name in names.intersection(i.rpartition(".")[2] for i in info.imports):
            imported[name].append(path)
        if info.language != "other" and _named(path) in flat:
            named[_named(path)].append(path)
    for paths, weight in [
        *((p, 1.0) for p in defined.values()),
        *((p, IMPORT_WEIGHT) for p in imported.values()),
        *((p, NAMED_WEIGHT) for p in named.values()),
    ]:
        for path in paths:
            scores[path] += weight / len(paths)
    return {p: min(1.0, s) for p, s in scores.items()}


MAX_USER_NAMES = 3
MAX_USERS = 500  # a name used in more files than this is a sweeping change: review it
MAX_WORD_USERS = 30  # a plain word (`content`, `timeout`) names code only when it is rare


def name_users(
    index: RepoIndex, request: str, grep: Callable[[str], list[str]]
) -> dict[str, list[str]]:
    """Every file that uses a name the request names in code form (`to_native`, `AnyStr`).

    A rename or removal changes each use, also ``module.to_native(...)`` or
    ``typing.AnyStr`` that no import records, so the files come from a whole-word
    search (``grep``). A plain word counts only when few files have it.
    """
    names = sorted(code_names(request))
    users: dict[str, list[str]] = {}
    for name in names:
        paths = [p for p in grep(name) if p in index.files]
        if paths and (_CODE_SHAPED.fullmatch(name) or len(paths) <= MAX_WORD_USERS):
            users[name] = paths[:MAX_USERS]
        if len(users) == MAX_USER_NAMES:
            break
    return users


_FOLDER_WORD = re.compile(
    r"[`'\"]?([\w./-]+?)[`'\"]?\s+(?:folder|directory|dir|package)\b"
    r"|\b(?:folder|directory|dir|package)\s+[`'\"]?([\w./-]+)",
    re.IGNORECASE,
)
MAX_FOLDER_FILES = 200


def folder_files(index: RepoIndex, request: str) -> dict[str, list[str]]:
    """The files of each folder the request names as one ("the js folder", "'backends' dir")."""
    named = {a or b for a, b in _FOLDER_WORD.findall(request)}
    named = {n.strip("/").lower() for n in named if n and n.lower() not in ("the", "a", "this")}
    found: dict[str, list[str]] = {}
    for path in index.files:
        folders = path.split("/")[:-1]
        for depth, folder in enumerate(folders):
            if folder.lower() in named:
                found.setdefault("/".join(folders[: depth + 1]) + "/", []).append(path)
    return {f: paths for f, paths in found.items() if len(paths) <= MAX_FOLDER_FILES}
