from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import PINNED_ENV, Repo, make_repo


@pytest.fixture(autouse=True, scope="session")
def _hermetic_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Pin git's identity and config so commits are reproducible and no user config leaks in."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = AP Test\n"
        "\temail = ap-test@example.invalid\n[commit]\n\tgpgsign = false\n"
    )
    mp = pytest.MonkeyPatch()
    for key, value in PINNED_ENV.items():
        mp.setenv(key, value)
    mp.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    mp.setenv("XDG_CACHE_HOME", str(home / "cache"))
    mp.setenv("NO_COLOR", "1")
    yield
    mp.undo()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A real git repository on `main` with one commit."""
    return make_repo(tmp_path / "repo")
