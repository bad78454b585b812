"""Shared test helpers: real temporary git repositories with a pinned identity."""

from __future__ import annotations

import subprocess
from pathlib import Path

PINNED_ENV = {
    "GIT_AUTHOR_NAME": "AP Test",
    "GIT_AUTHOR_EMAIL": "ap-test@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "AP Test",
    "GIT_COMMITTER_EMAIL": "ap-test@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
}


class Repo:
    """A real git repository in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {args} failed: {proc.stderr}")
        return proc.stdout

    def write(self, path: str, text: str = "") -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def commit(self, message: str = "commit", *paths: str) -> str:
        self.git("add", "-A", *paths)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def status(self) -> str:
        return self.git("status", "--porcelain")

    def snapshot(self) -> dict[str, bytes]:
        """Every file in the work tree (outside .git) with its content."""
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(self.root).parts
        }


def make_repo(root: Path, files: dict[str, str] | None = None) -> Repo:
    """``git init -b main`` at ``root`` with an initial commit of ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    repo = Repo(root)
    repo.git("init", "-q", "-b", "main")
    for path, text in (files or {"README.md": "# sample\n"}).items():
        repo.write(path, text)
    repo.commit("initial commit")
    return repo
