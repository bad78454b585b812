from __future__ import annotations

from ap.analyze.history import read_history
from ap.analyze.index import build_index
from ap.analyze.mentions import code_names, file_names, mention_scores
from ap.analyze.relevance import rank_files
from ap.git import Git
from tests.helpers import Repo, make_repo


def test_code_names_are_quoted_dotted_or_shaped_like_code() -> None:
    names = code_names("Patch `copy_with`; URL.join keeps base_url, CliRunner and plain words")
    assert {"copy_with", "URL", "join", "base_url", "CliRunner"} <= names
    assert not names & {"Patch", "keeps", "plain", "words"}
    assert file_names("Bump the version in pyproject.toml and CHANGES.rst") == {
        "pyproject.toml",
        "changes.rst",
    }


def test_a_named_method_leads_to_the_file_that_defines_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(
        tmp_path / "r",
        {
            "pkg/urls.py": "class Link:\n    def copy_with(self):\n        self.fragment = 1\n",
            "pkg/client.py": "from pkg.urls import Link\n\n\ndef fetch():\n    return Link()\n",
            "pkg/other.py": "def copy():\n    return 'copy with care'\n",
            "tests/test_link.py": "from pkg.urls import Link\n",
        },
    )
    git = Git(repo.root)
    index = build_index(git)
    assert index.files["pkg/urls.py"].members == ["copy_with", "fragment"]
    scores = mention_scores(index, "Patch `copy_with` so it keeps the fragment")
    assert scores["pkg/urls.py"] == 1.0
    ranked = rank_files(index, read_history(git), "Patch `copy_with` so it keeps the fragment")
    assert ranked[0].path == "pkg/urls.py"
    assert "the request names it or code in it" in ranked[0].reasons


def test_imports_file_names_and_named_tests_count_too(shop: Repo) -> None:
    index = build_index(Git(shop.root))
    scores = mention_scores(index, "Cart: use `discount` as in cart.py")
    assert scores["shop/cart.py"] == 1.0  # named file
    assert scores["shop/pricing.py"] == 1.0  # defines `discount`, the only file that does
    assert 0 < scores["tests/test_pricing.py"] < 1  # imports it
    assert "web/app.js" not in scores
    assert mention_scores(index, "Cart totals are wrong") == {}  # prose names no code
    named = mention_scores(index, "AsyncCart should reuse `Cart`")
    assert named["tests/test_cart.py"] > 0  # a test named after a named class


def test_name_users_keep_code_names_and_rare_plain_words(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ap.analyze.index import build_index
    from ap.analyze.mentions import name_users
    from ap.git import Git
    from tests.helpers import make_repo

    files = {f"m{n}.py": "from typing import AnyStr\ncontent = AnyStr\n" for n in range(40)}
    files["lib.py"] = "def content():\n    pass\n"
    git = Git(make_repo(tmp_path / "r", files).root)
    users = name_users(build_index(git), "Drop `AnyStr` and `content`", git.grep_word)
    assert sorted(users) == ["AnyStr"] and len(users["AnyStr"]) == 40


def test_name_users_find_names_used_through_their_module(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ap.analyze.index import build_index
    from ap.analyze.mentions import name_users
    from ap.git import Git
    from tests.helpers import make_repo

    files = {f"m{n}.py": "import typing\n\nX = typing.AnyStr\n" for n in range(3)}
    git = Git(make_repo(tmp_path / "r", files).root)
    users = name_users(build_index(git), "Drop usage of `AnyStr`", git.grep_word)
    assert users == {"AnyStr": ["m0.py", "m1.py", "m2.py"]}


def test_an_acronym_and_a_word_is_a_code_name() -> None:
    from ap.analyze.mentions import code_names

    assert code_names("Expose ASGIDispatch and raise HTTPError") == {"ASGIDispatch", "HTTPError"}
    assert code_names("Support URLs and APIs over HTTP/2") == set()
