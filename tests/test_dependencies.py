"""No declared-but-unused dependency: each one pyproject.toml requires is imported by ap."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import ap

PACKAGE = Path(ap.__file__).parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"
# Distributions whose import name is not their own name, lower-cased.
IMPORT_NAMES = {"pyyaml": "yaml", "pygithub": "github", "gitpython": "git"}


def _declared() -> list[str]:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is new in Python 3.11")
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0] for spec in project["dependencies"]]


def _imported() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_every_declared_dependency_is_imported() -> None:
    if not PYPROJECT.is_file():
        pytest.skip("ap is installed without its source tree")
    imported = _imported()
    unused = [
        name
        for name in _declared()
        if IMPORT_NAMES.get(name.lower(), name.lower().replace("-", "_")) not in imported
    ]
    assert unused == []
