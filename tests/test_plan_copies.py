"""Which copy of a plan is the plan: the working-tree draft until `ap start`, then the
integration branch. The working tree is left mergeable, and every read is live."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ap.cli import main
from ap.git import Git
from ap.state.artifacts import retire_drafts
from tests.helpers import Repo, make_repo

OBJECTIVES = """\
request: Add JWT authentication
objectives:
  - id: T1
    title: Token issuing and checking
    scope_touch: [src/auth/]
  - id: T2
    title: Login endpoint
    scope_touch: [src/api/login.py, tests/test_login.py]
    depends_on: [T1]
    integration_points: ["calls auth.issue_token(user)"]
"""

FILES = {"README.md": "# shop\n", "src/auth/__init__.py": "", "src/api/__init__.py": ""}


class User:
    """A person at the terminal: ap in-process, git for the rest."""

    def __init__(self, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
        self.repo = repo
        self.capsys = capsys

    def ap(self, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
        code = main(["-C", str(cwd or self.repo.root), *args])
        out, err = self.capsys.readouterr()
        return code, out, " ".join(err.split())

    def ok(self, *args: str, cwd: Path | None = None) -> str:
        code, out, err = self.ap(*args, cwd=cwd)
        assert code == 0, err
        return out + err

    def plans(self) -> dict[str, dict[str, Any]]:
        """``ap list --json``: each plan's row by id."""
        code, out, err = self.ap("list", "--json")
        assert code == 0, err
        rows = json.loads(out.splitlines()[-1])
        return {row["id"]: row for row in rows["plans"]}

    def listed(self, plan_id: str) -> tuple[str, dict[str, int]]:
        row = self.plans()[plan_id]
        return row["status"], row["statuses"]

    def untracked(self) -> list[str]:
        out = self.repo.git("status", "--porcelain", "--untracked-files=all")
        return sorted(line[3:] for line in out.splitlines() if line.startswith("??"))

    def submit(self, plan_id: str, task: str, files: dict[str, str]) -> None:
        wt = self.repo.root.parent / task
        self.repo.git("worktree", "add", "-q", str(wt), f"ap/{plan_id}/{task}")
        for rel, text in files.items():
            (wt / rel).parent.mkdir(parents=True, exist_ok=True)
            (wt / rel).write_text(text, encoding="utf-8")
        self.ok("submit", "-m", f"work of {task}", cwd=wt)
        self.repo.git("worktree", "remove", str(wt))


def planned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[User, str]:
    repo = make_repo(tmp_path / "repo", FILES)
    user = User(repo, capsys)
    user.ok("init")
    repo.commit("chore: ap init")
    spec = tmp_path / "objectives.yaml"
    spec.write_text(OBJECTIVES, encoding="utf-8")
    user.ok("plan", "--from", str(spec))
    (plan_id,) = user.plans()
    return user, plan_id


def front(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def test_the_plan_moves_to_its_branch_at_start_and_merges_into_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user, plan_id = planned(tmp_path, capsys)
    repo, integration = user.repo, f"ap/{plan_id}/integration"
    draft = repo.root / f"docs/plans/PLAN_{plan_id}.md"
    assert user.listed(plan_id) == ("planned", {"pending": 2})

    # A hand-edited draft is what `ap validate` checks (and says so) before start …
    data = front(draft.read_text())
    data["objectives"][1]["wave"] = 1
    data["waves"] = [["T1", "T2"]]
    draft.write_text("---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n")
    code, _, err = user.ap("validate")
    assert code == 1 and f"docs/plans/PLAN_{plan_id}.md" in err and "draft" in err
    data = front(draft.read_text())
    data["objectives"][1]["wave"] = 2
    data["waves"] = [["T1"], ["T2"]]
    data["objectives"][0]["title"] = "Tokens, edited by hand"
    draft.write_text("---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n")
    out = " ".join(user.ok("validate").split())
    assert f"checked the draft docs/plans/PLAN_{plan_id}.md" in out

    # … and what `ap start` commits; then the drafts leave the working tree.
    user.ok("start")
    assert user.untracked() == []
    shown = repo.git("show", f"{integration}:docs/plans/PLAN_{plan_id}.md")
    assert "Tokens, edited by hand" in shown
    assert repo.git("cat-file", "-t", f"{integration}:docs/analyses/ANALYSIS_{plan_id}.md")
    assert user.listed(plan_id) == ("running", {"pending": 1, "running": 1})
    out = " ".join(user.ok("validate").split())
    assert f"checked {integration}:docs/plans/PLAN_{plan_id}.md" in out
    assert "Tokens, edited by hand" in user.ok("show")
    assert "TASK_ID=T2" in user.ok("prompt", plan_id, "T2")

    user.submit(plan_id, "T1", {"src/auth/tokens.py": "def issue_token(user): ...\n"})
    user.ok("merge-wave")
    assert user.listed(plan_id) == ("running", {"merged": 1, "pending": 1})
    user.ok("start")
    user.submit(plan_id, "T2", {"src/api/login.py": "LOGIN = 1\n"})
    user.ok("merge-wave")
    user.ok("accomplish")
    assert user.listed(plan_id) == ("done", {"merged": 2})
    code, out, _ = user.ap("list", "--json")
    assert [a["id"] for a in json.loads(out.splitlines()[-1])["accomplishments"]] == [plan_id]
    assert "Tokens, edited by hand" in user.ok("show", plan_id, "--kind", "accomplishment")
    assert user.untracked() == []

    # The integration branch merges into main as it is.
    repo.git("merge", "--no-edit", "-q", integration)
    assert (repo.root / "src/api/login.py").read_text() == "LOGIN = 1\n"
    assert front(draft.read_text())["status"] == "done"
    assert user.listed(plan_id) == ("done", {"merged": 2})
    # The plan's branch deleted, the merged copy is the plan.
    for task in ("integration", "T1", "T2"):
        repo.git("branch", "-q", "-D", f"ap/{plan_id}/{task}")
    assert user.listed(plan_id) == ("done", {"merged": 2})
    assert "Tokens, edited by hand" in user.ok("show", plan_id)


def test_start_removes_only_untouched_untracked_drafts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A draft that was committed by the person stays (tracked files are theirs)."""
    user, plan_id = planned(tmp_path, capsys)
    user.repo.commit("docs: the plan, tracked", f"docs/plans/PLAN_{plan_id}.md")
    user.ok("start")
    assert user.untracked() == []  # the analysis, untracked and untouched, went
    assert (user.repo.root / f"docs/plans/PLAN_{plan_id}.md").is_file()
    assert user.repo.status() == ""


def test_a_started_plan_is_read_from_its_branch_even_with_a_stale_copy_around(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user, plan_id = planned(tmp_path, capsys)
    user.ok("start")
    user.repo.write(f"docs/plans/PLAN_{plan_id}.md", "not a plan\n")
    assert user.listed(plan_id) == ("running", {"pending": 1, "running": 1})
    out = " ".join(user.ok("validate", plan_id).split())
    assert f"checked ap/{plan_id}/integration:docs/plans/PLAN_{plan_id}.md" in out
    assert f"docs/plans/PLAN_{plan_id}.md in the working tree is not read" in out
    # Named by its path, that file is checked, and said not to be the plan.
    code, out, err = user.ap("validate", str(user.repo.root / f"docs/plans/PLAN_{plan_id}.md"))
    assert code == 2 and "no YAML front matter" in err
    user.repo.write(
        f"docs/plans/PLAN_{plan_id}.md",
        user.repo.git("show", f"ap/{plan_id}/integration~1:docs/plans/PLAN_{plan_id}.md"),
    )
    code, out, err = user.ap("validate", str(user.repo.root / f"docs/plans/PLAN_{plan_id}.md"))
    said = " ".join((out + err).split())
    assert code == 0 and f"checked the draft docs/plans/PLAN_{plan_id}.md" in said
    assert f"is not the plan: {plan_id} has started, and ap/{plan_id}/integration:" in said


def test_the_latest_plan_is_the_newest_started_or_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user, first = planned(tmp_path, capsys)
    spec = tmp_path / "second.yaml"
    spec.write_text(OBJECTIVES.replace("Add JWT authentication", "Zzz later"), encoding="utf-8")
    user.ok("plan", "--from", str(spec))
    second = next(i for i in user.plans() if i != first)
    user.ok("start", second)
    code, out, err = user.ap("status", "--json")
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["plan_id"] == second
    code, out, err = user.ap("show", "--json")
    assert json.loads(out.splitlines()[-1])["plan"]["id"] == second
    assert user.plans()[first]["status"] == "planned"


README_EXAMPLE = OBJECTIVES


def test_the_readme_example_runs_end_to_end(tmp_path: Path) -> None:
    """The README's "A small example", command by command, with the real `ap` program."""
    repo = make_repo(tmp_path / "repo", FILES)

    def ap(*args: str, cwd: Path = repo.root) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "ap", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc.stdout + proc.stderr

    ap("init")
    repo.commit("chore: ap init")
    repo.write("objectives.yaml", README_EXAMPLE)
    ap("plan", "--from", "objectives.yaml")
    assert "```mermaid" in ap("show")
    ap("validate")
    assert "TASK_ID=T2" in ap("prompt", "2026", "T2")
    ap("hook", "install")
    ap("start")
    (row,) = json.loads(ap("list", "--json").splitlines()[-1])["plans"]
    plan_id = row["id"]
    for task, files in (
        ("T1", {"src/auth/tokens.py": "def issue_token(user): ...\n"}),
        ("T2", {"src/api/login.py": "LOGIN = 1\n", "tests/test_login.py": "def test(): ...\n"}),
    ):
        if task == "T2":
            ap("start")
        wt = tmp_path / task
        repo.git("worktree", "add", "-q", str(wt), f"ap/{plan_id}/{task}")
        for rel, text in files.items():
            (wt / rel).parent.mkdir(parents=True, exist_ok=True)
            (wt / rel).write_text(text, encoding="utf-8")
        ap("submit", "-m", f"work of {task}", cwd=wt)
        ap("merge-wave")
    ap("accomplish")
    assert "done" in ap("status")
    repo.git("merge", "--no-edit", "-q", f"ap/{plan_id}/integration")


def test_a_path_to_the_draft_start_took_names_the_started_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user, plan_id = planned(tmp_path, capsys)
    user.ok("start")
    draft = user.repo.root / f"docs/plans/PLAN_{plan_id}.md"
    assert not draft.exists()
    out = " ".join(user.ok("validate", str(draft)).split())
    assert f"checked ap/{plan_id}/integration:docs/plans/PLAN_{plan_id}.md" in out
    assert "## " in user.ok("show", str(draft))
    code, _, err = user.ap("validate", str(user.repo.root / "docs/plans/PLAN_nothing.md"))
    assert code == 2 and "no such file" in err


def test_retire_drafts_removes_only_untracked_files_still_as_read(repo: Repo) -> None:
    read = {
        "docs/plans/PLAN_a.md": b"as read\n",
        "docs/plans/PLAN_b.md": b"as read\n",
        "docs/plans/PLAN_c.md": b"as read\n",
        "docs/plans/PLAN_d.md": b"as read\n",
        "docs/plans/PLAN_gone.md": b"as read\n",
    }
    for rel in ("PLAN_a.md", "PLAN_b.md", "PLAN_c.md"):
        repo.write(f"docs/plans/{rel}", "as read\n")
    repo.commit("track c", "docs/plans/PLAN_c.md")
    repo.write("docs/plans/PLAN_b.md", "edited since\n")
    repo.write("elsewhere.md", "as read\n")
    (repo.root / "docs/plans/PLAN_d.md").symlink_to(repo.root / "elsewhere.md")
    removed = retire_drafts(Git(repo.root), read)
    assert removed == ["docs/plans/PLAN_a.md"]
    assert sorted(p.name for p in (repo.root / "docs/plans").iterdir()) == [
        "PLAN_b.md",
        "PLAN_c.md",
        "PLAN_d.md",
    ]
    assert (repo.root / "elsewhere.md").read_text() == "as read\n"
