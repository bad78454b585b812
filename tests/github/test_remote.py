"""The Action's git: the token reaches git through its environment, never a config file."""

from __future__ import annotations

import base64

from ap.git import Git
from ap.github.remote import authenticated
from tests.helpers import Repo


def test_the_token_is_sent_by_git_and_written_nowhere(repo: Repo) -> None:
    before = (repo.root / ".git" / "config").read_text()
    env = {"GITHUB_TOKEN": "ghs_secret", "GITHUB_SERVER_URL": "https://github.example"}
    git = authenticated(Git(repo.root), env)
    header = git.run("config", "--get", "http.https://github.example/.extraheader").strip()
    expected = base64.b64encode(b"x-access-token:ghs_secret").decode()
    assert header == f"AUTHORIZATION: basic {expected}"
    assert (repo.root / ".git" / "config").read_text() == before
    plain = Git(repo.root).run("config", "--get-regexp", "extraheader", check=False)
    assert "ghs_secret" not in plain and expected not in plain


def test_without_a_token_or_an_https_server_git_is_left_alone(repo: Repo) -> None:
    git = Git(repo.root)
    assert authenticated(git, {}) is git
    assert authenticated(git, {"GITHUB_TOKEN": "t", "GITHUB_SERVER_URL": "http://x"}) is git
