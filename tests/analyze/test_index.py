from __future__ import annotations

import time

from ap.analyze.index import build_index
from ap.git import Git
from tests.helpers import Repo


def test_index_reads_symbols_imports_and_languages(shop: Repo) -> None:
    index = build_index(Git(shop.root))
    cart = index.files["shop/cart.py"]
    assert cart.language == "python" and cart.symbols == ["Cart"]
    assert "shop.pricing.discount" in cart.imports and cart.doc == "Shopping carts."
    assert index.files["web/app.js"].imports == ["./cart.js"]
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
