"""Where a command runs, read from git's own files in the plain case (the hook starts no
process for it): the same answer as ``git rev-parse``, and git's answer otherwise."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ap.git.repo import _read_location, locate
from tests.helpers import make_repo


def _git_says(cwd: Path) -> tuple[str, str, str | None] | None:
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "--git-common-dir", "--symbolic-full-name", "HEAD"],
        cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return None
    top, common, head = proc.stdout.splitlines()
    branch = head.removeprefix("refs/heads/") if head.startswith("refs/heads/") else None
    return os.path.realpath(top), os.path.realpath(os.path.join(cwd, common)), branch


def _read(cwd: Path) -> tuple[str, str, str | None] | None:
    found = _read_location(str(cwd))
    return None if found is None else (found.root, os.path.realpath(found.common_dir), found.branch)


@pytest.fixture
def layouts(tmp_path: Path) -> dict[str, Path]:
    repo = make_repo(tmp_path / "repo", {"src/a.py": "a\n"})
    repo.git("branch", "feature/x")
    repo.git("worktree", "add", "-q", str(tmp_path / "linked"), "feature/x")
    repo.git("worktree", "add", "-q", "--detach", str(tmp_path / "detached"))
    (tmp_path / "link").symlink_to(tmp_path / "repo")
    return {
        "top": repo.root,
        "subfolder": repo.root / "src",
        "linked": tmp_path / "linked",
        "linked subfolder": tmp_path / "linked" / "src",
        "detached": tmp_path / "detached",
        "through a symlink": tmp_path / "link" / "src",
        "in the git dir": repo.root / ".git",
        "outside": tmp_path,
    }


def test_read_from_gits_files_as_git_says(layouts: dict[str, Path]) -> None:
    for name, cwd in layouts.items():
        said, read = _git_says(cwd), _read(cwd)
        if name in ("in the git dir", "outside"):
            assert read is None, name  # not a work tree: git answers (and says so)
        else:
            assert read is not None and read == said, name


def test_unusual_repositories_are_left_to_git(
    layouts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    top = layouts["top"]
    subprocess.run(["git", "config", "core.worktree", str(top)], cwd=top, check=True)
    assert _read(top) is None  # core.worktree: git's answer
    found = locate(str(top))
    assert found is not None and os.path.realpath(found.root) == os.path.realpath(top)
    subprocess.run(["git", "config", "--unset", "core.worktree"], cwd=top, check=True)
    assert _read(top) is not None
    monkeypatch.setenv("GIT_DIR", str(top / ".git"))
    assert _read(top) is None  # a discovery variable: git's answer
