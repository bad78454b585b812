from __future__ import annotations

import os
import time

from ap.analyze.cache import SHARDS, shard_of
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
    cache = git.git_dir() / "ap" / "index" / "meta.json"
    assert cache.is_file()
    start = time.perf_counter()
    again = build_index(git)
    assert again.files.keys() == first.files.keys()
    assert again.files["shop/cart.py"] == first.files["shop/cart.py"]
    assert time.perf_counter() - start < 5  # sanity only; speed is measured in benchmarks/
    shop.write("shop/new.py", "def fresh():\n    pass\n")
    shop.commit("new module")
    assert "shop/new.py" in build_index(git).files


class CountingGit(Git):
    """A real Git that records which blobs the index asked for."""

    read: list[str]

    def read_blobs(self, oids):  # type: ignore[no-untyped-def]
        self.read = [*getattr(self, "read", []), *oids]
        return super().read_blobs(oids)


def test_a_one_file_commit_rereads_that_file_only(shop: Repo) -> None:
    git = CountingGit(shop.root)
    build_index(git)
    assert len(git.read) >= 8
    git.read = []
    shop.write("shop/cart.py", "class Cart:\n    def empty(self):\n        pass\n")
    shop.commit("empty carts")
    index = build_index(git)
    assert git.read == [shop.git("rev-parse", "HEAD:shop/cart.py").strip()]
    assert index.files["shop/cart.py"].members == ["empty"]
    assert index.files["shop/pricing.py"].symbols == ["discount"]


def test_the_cache_does_not_grow_with_commits(shop: Repo) -> None:
    git = Git(shop.root)
    stale = git.git_dir() / "ap" / "index-0123abcd.json"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{}")
    (git.git_dir() / "ap" / "index.json").write_text("{}")
    (git.git_dir() / "ap" / "index").mkdir()
    (git.git_dir() / "ap" / "index" / "03.json").write_text("{}")  # a JSON shard of before
    for n in range(3):
        shop.write("shop/pricing.py", f"RATE = {n}\n")
        shop.commit(f"rate {n}")
        build_index(git)
    assert sorted(p.name for p in (git.git_dir() / "ap").iterdir()) == ["index"]
    assert len(list((git.git_dir() / "ap" / "index").iterdir())) == SHARDS + 1


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


def test_imports_and_attributes_at_any_depth(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    source = (
        "class Pool:\n"
        "    def __init__(self):\n"
        "        self.size, self.idle = 1, []\n"
        "        try:\n"
        "            import ssl\n"
        "        except ImportError:\n"
        "            from pkg import fallback\n"
        "        with open('x') as f:\n"
        "            self.limit: int = 2\n"
    )
    index = build_index(Git(make_repo(tmp_path / "p", {"pool.py": source}).root))
    info = index.files["pool.py"]
    assert {"ssl", "pkg", "pkg.fallback"} <= set(info.imports)
    assert {"__init__", "size", "idle", "limit"} <= set(info.members)


def test_a_one_file_commit_rewrites_one_shard(shop: Repo) -> None:
    git = Git(shop.root)
    build_index(git)
    folder = git.git_dir() / "ap" / "index"
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    for p in folder.iterdir():  # an old time stamp shows which shards are written again
        os.utime(p, ns=(1, 1))
    shop.write("shop/cart.py", "class Cart:\n    pass\n")
    shop.commit("plain cart")
    build_index(git)
    written = sorted(p.name for p in folder.iterdir() if p.stat().st_mtime_ns != 1)
    assert written == sorted([f"{shard_of('shop/cart.py'):02d}.bin", "meta.json"]), stamps


def test_a_damaged_shard_is_read_again(shop: Repo) -> None:
    git = Git(shop.root)
    first = build_index(git)
    shard = git.git_dir() / "ap" / "index" / f"{shard_of('shop/cart.py'):02d}.bin"
    shard.write_bytes(shard.read_bytes()[:7])  # cut short, as by a full disk
    again = build_index(git)
    assert again.files["shop/cart.py"] == first.files["shop/cart.py"]
    assert build_index(git).files.keys() == first.files.keys()


def test_a_lost_shard_is_read_again(shop: Repo) -> None:
    git = Git(shop.root)
    first = build_index(git)
    (git.git_dir() / "ap" / "index" / f"{shard_of('shop/cart.py'):02d}.bin").unlink()
    again = build_index(git)
    assert again.files.keys() == first.files.keys()
    assert again.files["shop/cart.py"].symbols == ["Cart"]


def test_the_bases_of_classes_are_indexed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    source = "import abc\n\n\nclass Pool(abc.ABC, Base):\n    pass\n\n\nclass Plain:\n    pass\n"
    index = build_index(Git(make_repo(tmp_path / "p", {"pool.py": source}).root))
    assert index.files["pool.py"].bases == ["ABC", "Base"]
    assert build_index(Git(tmp_path / "p")).files["pool.py"].bases == ["ABC", "Base"]  # cached
