"""Files that change with a chosen one by the project's conventions, not by its words.

An engineer who edits ``requests/auth.py`` also opens ``tests/test_requests.py``
(the tests named after the package); who edits ``src/click/testing.py`` checks
``docs/testing.md`` (the page named after the module); who edits ``pyproject.toml``
updates ``uv.lock`` beside it; who edits ``tests/auth/test_digest.py`` may change
a fixture in ``tests/auth/conftest.py``. None of these shares the request's words, and a
short history may not show them changing together, so the rules are stated here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from ap.analyze.index import RepoIndex
from ap.analyze.mentions import code_names

# manifest → the lock files a package manager rewrites beside it
LOCKS = {
    "pyproject.toml": ("uv.lock", "poetry.lock", "pdm.lock"),
    "Pipfile": ("Pipfile.lock",),
    "package.json": ("package-lock.json", "yarn.lock", "pnpm-lock.yaml"),
    "Cargo.toml": ("Cargo.lock",),
    "go.mod": ("go.sum",),
    "Gemfile": ("Gemfile.lock",),
}
DOC_FOLDERS = frozenset({"docs", "doc"})
DOC_SUFFIXES = frozenset({".md", ".rst"})
SOURCES_WITH_DOCS = 3  # only the leading sources bring their page: a plan stays small
_EXPOSE = re.compile(r"\b(?:expose[sd]?|(?:re-?)?exports?|public api)\b", re.IGNORECASE)
_NEW_PAGE = re.compile(
    r"\b(?:add|adds|added|new|write)\b.*\b(?:guide|page|tutorial|how-?to|documentation)\b",
    re.IGNORECASE,
)
_INTERFACE = re.compile(r"\b(?:interfaces?|abstract|base class(?:es)?|protocols?)\b", re.I)
SITE_CONFIGS = ("mkdocs.yml", "mkdocs.yaml")  # they list every page of the site (its nav)


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def package_tests(index: RepoIndex, sources: Iterable[str]) -> list[str]:
    """Tests named after the package of a source: ``test_requests.py`` for ``requests/*.py``."""
    packages = {PurePosixPath(s).parent.name for s in sources if "/" in s}
    wanted = {f"test_{p}.py" for p in packages if p}
    return sorted(
        p for p, info in index.files.items() if p.rpartition("/")[2] in wanted and info.is_test
    )


def module_pages(index: RepoIndex, sources: Iterable[str]) -> list[str]:
    """Documentation pages named after a source module: ``docs/testing.md`` for ``testing.py``.

    Only pages under a ``docs``/``doc`` folder: a README next to the code is no
    page about one module.
    """
    stems = {PurePosixPath(s).stem.lstrip("_") for s in sources}
    stems.discard("")
    stems.discard("init")
    pages = []
    for path in index.files:
        if not path.endswith(tuple(DOC_SUFFIXES)):  # most files: no path object built
            continue
        pure = PurePosixPath(path)
        if (
            pure.suffix in DOC_SUFFIXES
            and pure.stem in stems
            and DOC_FOLDERS.intersection(pure.parts[:-1])
        ):
            pages.append(path)
    return sorted(pages)


def test_fixtures(index: RepoIndex, chosen: Iterable[str]) -> list[str]:
    """The ``conftest.py`` beside a chosen test: the fixtures its folder's tests share.

    A change to what a test checks often changes the fixture that sets it up.
    """
    found = []
    for path in chosen:
        if path in index.files and index.files[path].is_test:
            folder = _folder(path)
            fixtures = f"{folder}/conftest.py" if folder else "conftest.py"
            if fixtures in index.files and fixtures != path:
                found.append(fixtures)
    return found


def lock_files(index: RepoIndex, chosen: Iterable[str]) -> list[str]:
    """The lock files beside a chosen manifest (``uv.lock`` next to ``pyproject.toml``)."""
    locks = []
    for path in chosen:
        folder, _, name = path.rpartition("/")
        for lock in LOCKS.get(name, ()):
            candidate = f"{folder}/{lock}" if folder else lock
            if candidate in index.files:
                locks.append(candidate)
    return locks


def exposing_packages(index: RepoIndex, request: str) -> list[str]:
    """The ``__init__.py`` over a name the request exposes ("Expose `CliRunner` in ...").

    A package's namespace is its ``__init__.py``: exposing or exporting a name edits it.
    """
    if not _EXPOSE.search(request):
        return []
    names = code_names(request)
    found = []
    for path, info in index.files.items():
        if names.intersection(info.symbols):
            package = f"{_folder(path)}/__init__.py" if "/" in path else "__init__.py"
            if package in index.files and package != path:
                found.append(package)
    return sorted(set(found))


def site_navigation(index: RepoIndex, request: str) -> list[str]:
    """The documentation site's page list when the request adds a page (``mkdocs.yml``)."""
    if not _NEW_PAGE.search(request.strip().splitlines()[0] if request.strip() else ""):
        return []
    return [name for name in SITE_CONFIGS if name in index.files]


def implementations(index: RepoIndex, sources: list[str], request: str) -> list[str]:
    """Files whose classes derive from the leading source's, for a request about an interface.

    A method added to an interface is implemented by every class deriving from it.
    """
    if not sources or not _INTERFACE.search(request):
        return []
    classes = set(index.files[sources[0]].symbols)
    return sorted(
        p
        for p, info in index.files.items()
        if p != sources[0] and not info.is_test and classes.intersection(info.bases)
    )


def companions(index: RepoIndex, chosen: list[str], request: str = "") -> list[tuple[str, str]]:
    """``(path, reason)`` for each file the conventions above add to ``chosen``."""
    sources = [
        p
        for p in chosen
        if p in index.files
        and not index.files[p].is_test
        and index.files[p].language not in ("markdown", "rst", "text", "other")
    ]
    found: list[tuple[str, str]] = []
    found += [(p, "the tests named after the package") for p in package_tests(index, sources)]
    found += [
        (p, "the page documenting a chosen module")
        for p in module_pages(index, sources[:SOURCES_WITH_DOCS])
    ]
    found += [(p, "the shared fixtures of a chosen test") for p in test_fixtures(index, chosen)]
    found += [(p, "the lock file of a chosen manifest") for p in lock_files(index, chosen)]
    found += [
        (p, "implements an interface of the leading file")
        for p in implementations(index, sources, request)
    ]
    found += [(p, "the namespace of a name to expose") for p in exposing_packages(index, request)]
    found += [(p, "lists the pages of the documentation") for p in site_navigation(index, request)]
    seen = set(chosen)
    out = []
    for path, why in found:
        if path not in seen:
            seen.add(path)
            out.append((path, why))
    return out
