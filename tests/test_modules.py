"""The package's shape (issue #17): no module over ~450 lines.

(Import cycles and upward imports are lint-imports' to find: pyproject.toml.)
"""

from __future__ import annotations

from pathlib import Path

import ap

PACKAGE = Path(ap.__file__).parent
MAX_LINES = 450


def test_no_module_is_over_450_lines() -> None:
    sizes = {
        str(path.relative_to(PACKAGE.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
