from __future__ import annotations

from ap.analyze import grouping
from ap.analyze.grouping import MAX_OBJECTIVES, group_files
from ap.analyze.index import FileInfo, RepoIndex


def index_of(files: dict[str, list[str]]) -> RepoIndex:
    """An index of Python files with the given imports (languages from the suffix)."""
    out = {}
    for path, imports in files.items():
        language = "python" if path.endswith(".py") else "markdown"
        out[path] = FileInfo(path=path, language=language, size=1, imports=imports)
    return RepoIndex(tree="t", files=out)


def test_a_package_init_test_pairs_with_no_source_init() -> None:
    sources = ["src/pkg/__init__.py", "src/pkg/core.py"]
    assert grouping.tested_source("tests/__init__.py", sources) is None
    assert grouping.tested_source("tests/conftest.py", ["src/pkg/conftest.py"]) is None
    assert grouping.tested_source("tests/test_core.py", sources) == "src/pkg/core.py"


def test_many_folders_merge_up_to_a_common_parent_within_the_cap() -> None:
    files = [f"src/pkg/part{n}/mod.py" for n in range(9)] + ["lib/other/x.py", "CHANGES.md"]
    index = index_of({f: [] for f in files})
    groups = group_files(index, files, {"CHANGES.md"})
    assert len(groups) <= MAX_OBJECTIVES
    assert sorted(f for g in groups for f in g.files) == sorted(files)  # every file, once
    assert groups[-1].integration and groups[-1].files == ["CHANGES.md"]
    merged = [g for g in groups if not g.integration and len(g.files) > 1]
    assert merged and all(g.key.startswith("src/pkg") for g in merged)


def test_few_folders_keep_one_objective_each() -> None:
    files = ["src/a/x.py", "src/b/y.py"]
    groups = group_files(index_of({f: [] for f in files}), files, set())
    assert [g.key for g in groups] == ["src/a", "src/b"]


def test_a_test_without_a_namesake_joins_the_source_it_imports() -> None:
    files = {
        "src/pkg/auth/tokens.py": [],
        "src/pkg/cart.py": [],
        "tests/integration/test_login_flow.py": ["pkg.auth.tokens", "pkg.auth.tokens.issue"],
    }
    groups = group_files(index_of(files), list(files), set())
    owner = next(g for g in groups if "tests/integration/test_login_flow.py" in g.files)
    assert "src/pkg/auth/tokens.py" in owner.files
