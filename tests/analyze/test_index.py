from __future__ import annotations

import time

from ap.analyze.grouping import DOC_LANGUAGES
from ap.analyze.index import build_index
from ap.git import Git
from tests.helpers import Repo


def test_index_reads_symbols_imports_and_languages(shop: Repo) -> None:
    index = build_index(Git(shop.root))
    cart = index.files["shop/cart.py"]
    assert cart.language == "python" and cart.symbols == ["Cart"]
    assert "shop.pricing.discount" in cart.imports and cart.doc == "Shopping carts."
    assert index.files["web/app.js"].imports == ["./cart.js", "./cart.js.total"]
    assert index.files["web/app.js"].symbols == ["main"]
    assert index.files["tests/test_cart.py"].is_test and not cart.is_test
    assert index.module_paths()["shop.pricing"] == "shop/pricing.py"
    assert index.module_paths()["shop"] == "shop/__init__.py"
    assert cart.members == ["total"] and index.files["shop/pricing.py"].members == []


def test_index_is_cached_by_tree(shop: Repo) -> None:
    git = Git(shop.root)
    first = build_index(git)
    cache = git.git_dir() / "ap" / f"index-{first.tree}.json"
    assert cache.is_file()
    start = time.perf_counter()
    again = build_index(git)
    assert again.files.keys() == first.files.keys()
    assert again.files["shop/cart.py"] == first.files["shop/cart.py"]
    assert time.perf_counter() - start < 5  # sanity only; speed is measured in benchmarks/
    shop.write("shop/new.py", "def fresh():\n    pass\n")
    shop.commit("new module")
    assert "shop/new.py" in build_index(git).files


def test_web_component_and_module_files_are_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    files = {
        "web/a.mjs": "export function a() {}\n",
        "web/b.cjs": "module.exports = {}\n",
        "web/c.mts": "export const c = 1\n",
        "web/d.cts": "export const d = 1\n",
        "web/Button.svelte": "<script>export let label</script>\n",
        "web/Card.vue": "<template><div/></template>\n",
    }
    index = build_index(Git(make_repo(tmp_path / "web", files).root))
    for path in files:
        assert index.files[path].language not in DOC_LANGUAGES, path


def test_test_libraries_are_product_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    files = {
        "test/lib/ansible_test/_internal/cli.py": "def main():\n    pass\n",
        "tests/src/helpers/fixtures.py": "X = 1\n",
        "test/units/test_cli.py": "def test_x():\n    pass\n",
        "test/lib/test_helpers.py": "def test_y():\n    pass\n",
        "tests/client/helpers.py": "Y = 2\n",
    }
    index = build_index(Git(make_repo(tmp_path / "t", files).root))
    assert not index.files["test/lib/ansible_test/_internal/cli.py"].is_test
    assert not index.files["tests/src/helpers/fixtures.py"].is_test
    assert index.files["test/units/test_cli.py"].is_test
    assert index.files["test/lib/test_helpers.py"].is_test
    assert index.files["tests/client/helpers.py"].is_test


def test_js_and_ts_imports_record_the_imported_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    source = (
        "import { isTypeAnyType, isTypeUnknownType as unknown } from '@typescript-eslint/utils';\n"
        "import type { Rule } from './rule';\n"
        'import helpers, { format } from "./helpers.mjs";\n'
        "import * as path from 'node:path';\n"
        "const { readFile } = require('fs');\n"
    )
    index = build_index(Git(make_repo(tmp_path / "ts", {"src/rule.ts": source}).root))
    imports = index.files["src/rule.ts"].imports
    for name in ("isTypeAnyType", "isTypeUnknownType", "Rule", "helpers", "format", "path"):
        assert any(i.rpartition(".")[2] == name for i in imports), (name, imports)
    assert "@typescript-eslint/utils" in imports and "fs" in imports
