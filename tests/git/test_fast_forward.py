"""``Git.fast_forward``: the checked-out branch, its index and files move to a descendant."""

from __future__ import annotations

import pytest

from ap.core.errors import GitError
from ap.git import Git
from tests.helpers import Repo


def test_the_branch_and_its_files_move_forward(repo: Repo) -> None:
    repo.git("switch", "-q", "-c", "ahead")
    repo.write("src/new.py", "x = 1\n")
    ahead = repo.commit("ahead")
    repo.git("switch", "-q", "main")
    Git(repo.root).fast_forward(ahead)
    assert repo.git("rev-parse", "main").strip() == ahead
    assert (repo.root / "src/new.py").read_text() == "x = 1\n" and repo.status() == ""


def test_a_diverged_commit_is_refused_and_nothing_moves(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("switch", "-q", "-c", "other")
    other = repo.commit("other")
    repo.git("switch", "-q", "main")
    repo.write("mine.txt", "mine\n")
    mine = repo.commit("mine")
    with pytest.raises(GitError):
        Git(repo.root).fast_forward(other)
    assert repo.git("rev-parse", "main").strip() == mine != base
    assert repo.status() == ""
