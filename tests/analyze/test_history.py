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


def test_new_commits_fold_into_the_cached_history(shop: Repo) -> None:
    import shutil

    git = Git(shop.root)
    read_history(git)
    assert (git.git_dir() / "ap" / "history.bin").is_file()
    shop.write("shop/pricing.py", "RATE = 2\n")
    shop.write("shop/vouchers.py", "V = 1\n")
    shop.commit("Voucher pricing")
    shop.write("CHANGES.md", "- vouchers\n")
    shop.commit("Changelog for vouchers")
    folded = read_history(git)
    shutil.rmtree(git.git_dir() / "ap")
    fresh = read_history(git)
    assert folded.commits == fresh.commits == 8
    assert folded.counts == fresh.counts and folded.messages == fresh.messages
    assert folded.added == fresh.added and folded.added["shop"] == {".py": 1}
    for path, weight in fresh.frequency.items():
        assert abs(folded.frequency[path] - weight) < 1e-9, path
    assert folded.cochange["shop/vouchers.py"].keys() == fresh.cochange["shop/vouchers.py"].keys()


def test_a_rewritten_history_is_read_again(shop: Repo) -> None:
    git = Git(shop.root)
    read_history(git)
    shop.git("reset", "-q", "--hard", "HEAD~2")
    shop.write("shop/cart.py", "# other\n")
    shop.commit("Another line of history")
    history = read_history(git)
    assert history.commits == 5 and history.messages["shop/cart.py"]["another"] == 1


def test_a_damaged_or_older_history_cache_is_read_again(shop: Repo) -> None:
    git = Git(shop.root)
    first = read_history(git)
    folder = git.git_dir() / "ap"
    (folder / "history.json").write_text("{}")  # the JSON cache of an earlier version
    (folder / "history.bin").write_bytes(b"\xff\x00")
    shop.write("shop/pricing.py", "RATE = 3\n")
    shop.commit("Reprice")
    again = read_history(git)
    assert again.commits == first.commits + 1
    assert sorted(p.name for p in folder.iterdir()) == ["history.bin"]


def test_commits_of_ap_steps_are_not_evidence(shop: Repo) -> None:
    """A plan's, wave's or accomplishment's commit (AP-Step trailer) says nothing about how
    the project's files change together; a worker's commit (no AP-Step) does."""
    import shutil

    read_history(Git(shop.root))  # cached: the commits below are folded into it
    shop.write("README.md", "# shop\n- vouchers\n")
    shop.write("docs/plans/PLAN_x.md", "plan\n")
    shop.commit("feat: cart vouchers\n\nAP-Plan: 20261125-x\nAP-Step: accomplish")
    shop.write("shop/cart.py", "# vouchers\n")
    shop.commit("feat(T1): vouchers\n\nAP-Plan: 20261125-x\nAP-Task: T1\nAP-Status: done")
    folded = read_history(Git(shop.root))
    shutil.rmtree(Git(shop.root).git_dir() / "ap")
    history = read_history(Git(shop.root))
    assert folded.counts == history.counts and folded.commits == history.commits
    assert "docs/plans/PLAN_x.md" not in history.counts
    assert history.counts["README.md"] == 1  # the initial commit only
    assert "voucher" not in history.messages["README.md"]
    assert history.messages["shop/cart.py"]["voucher"] == 1
    assert history.commits == 7
