"""A planned, started repository: the ground every execution test stands on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ap.cli import main
from tests.helpers import Repo, make_repo

OBJECTIVES = """\
request: Add JWT authentication
objectives:
  - id: T1
    title: Token module
    scope_touch: [src/auth/]
  - id: T2
    title: API routes
    scope_touch: [src/api/]
  - id: T3
    title: Tests
    scope_touch: [tests/]
    depends_on: [T1, T2]
    integration_points: ["calls auth.jwt.issue(user)"]
"""

FILES = {
    "README.md": "# shop\n",
    "src/auth/jwt.py": "def issue(user):\n    return user\n",
    "src/api/routes.py": "ROUTES = []\n",
    "docs/guide.md": "guide\n",
}


class Flow:
    """Drives ap on one repository, in-process, and makes objective work in worktrees."""

    def __init__(self, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
        self.repo = repo
        self.capsys = capsys
        self.plan_id = ""

    @property
    def root(self) -> Path:
        return self.repo.root

    def ap(self, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
        code = main(["-C", str(cwd or self.root), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str, cwd: Path | None = None) -> str:
        code, out, err = self.ap(*args, cwd=cwd)
        assert code == 0, err
        return out + err

    def branch(self, task: str) -> str:
        return f"ap/{self.plan_id}/{task}"

    @property
    def integration(self) -> str:
        return f"ap/{self.plan_id}/integration"

    def worktree(self, task: str) -> Path:
        path = self.root.parent / f"wt-{task}"
        if not path.exists():
            self.repo.git("worktree", "add", "-q", str(path), self.branch(task))
        return path

    def write(self, task: str, files: dict[str, str | None]) -> Path:
        wt = self.worktree(task)
        for rel, text in files.items():
            target = wt / rel
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        return wt

    def submit(self, task: str, files: dict[str, str | None]) -> None:
        wt = self.write(task, files)
        self.ok("submit", "-m", f"work of {task}", cwd=wt)

    def forge_done(self, task: str) -> None:
        """Commit whatever is staged in the task's worktree as done, skipping every hook."""
        wt = self.worktree(task)
        message = f"feat({task}): work\n\nAP-Plan: {self.plan_id}\nAP-Task: {task}\nAP-Status: done"
        git(wt, "commit", "-q", "--no-verify", "--allow-empty", "-m", message)

    def drop_worktrees(self) -> None:
        for task in ("T1", "T2", "T3"):
            path = self.root.parent / f"wt-{task}"
            if path.exists():
                self.repo.git("worktree", "remove", "--force", str(path))

    def tree(self, rev: str) -> dict[str, str]:
        out = self.repo.git("ls-tree", "-r", "--full-tree", rev)
        rows = (line.split("\t", 1) for line in out.splitlines())
        return {path: meta.split()[2] for meta, path in rows}

    def show(self, rev: str, path: str) -> str:
        return self.repo.git("show", f"{rev}:{path}")

    def plan_statuses(self) -> dict[str, str]:
        import yaml

        text = self.show(self.integration, f"docs/plans/PLAN_{self.plan_id}.md")
        data = yaml.safe_load(text.split("---\n")[1])
        return {o["id"]: o["status"] for o in data["objectives"]}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run_ap(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """ap in its own process (for crashes and races)."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "ap", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def planned_flow(
    root: Path,
    capsys: pytest.CaptureFixture[str],
    objectives: str = OBJECTIVES,
    files: dict[str, str] | None = None,
) -> Flow:
    repo = make_repo(root, files or FILES)
    flow = Flow(repo, capsys)
    flow.ok("init")
    repo.commit("chore: ap init")
    (root.parent / "objectives.yaml").write_text(objectives, encoding="utf-8")
    flow.ok("plan", "--from", str(root.parent / "objectives.yaml"))
    flow.plan_id = sorted((root / "docs" / "plans").glob("PLAN_*.md"))[0].stem[len("PLAN_") :]
    flow.ok("start")
    return flow


@pytest.fixture
def flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Flow:
    return planned_flow(tmp_path / "repo", capsys)
