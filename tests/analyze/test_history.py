from __future__ import annotations

from ap.analyze.history import cochange_of, read_history
from ap.git import Git
from tests.helpers import Repo


def test_cochange_and_messages(shop: Repo) -> None:
    history = read_history(Git(shop.root))
    assert history.commits == 6
    assert history.counts["CHANGES.md"] == 5
    assert history.share("shop/pricing.py") > history.share("shop/auth/tokens.py")
    partners = cochange_of(history, ["shop/pricing.py"])
    assert partners["CHANGES.md"] > 0 and partners["tests/test_pricing.py"] > 0
    assert partners["CHANGES.md"] > 5 * partners["shop/auth/tokens.py"]
    assert history.messages["shop/pricing.py"]["discount"] == 4


def test_huge_commits_are_ignored(shop: Repo) -> None:
    for n in range(60):
        shop.write(f"bulk/f{n}.txt", "x")
    shop.commit("vendor everything")
    history = read_history(Git(shop.root))
    assert "bulk/f0.txt" not in history.counts


def test_past_requests_teach_the_history(shop: Repo) -> None:
    history = read_history(Git(shop.root), [("Add gift cards", ["shop/cart.py"])])
    assert history.messages["shop/cart.py"]["gift"] == 1


def test_where_new_files_appear(shop: Repo) -> None:
    for n in range(3):
        shop.write(f"changelog.d/{n}.feature.md", "- more\n")
        shop.commit(f"fragment {n}")
    shop.write("shop/pricing.py", "# changed, not added\n")
    shop.commit("reprice")
    history = read_history(Git(shop.root))
    assert history.added["changelog.d"] == {".md": 3}
    assert "shop" not in history.added  # the initial import is not a sign of growth
