"""A path of thousands of segments (git stores one) is checked, never a crash (exit 3).

Matching it used to recurse once per segment: the hook then blocked the commit with
an internal error, and merge-wave blocked the whole wave.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git, planned_flow

DEEP = "a/" * 5000 + "x.py"
GLOBS = """\
request: Deep paths
objectives:
  - id: T1
    title: Auth
    scope_touch: [src/auth/, "lib/**/a/**/a/**/keep.py"]
  - id: T2
    title: API
    scope_touch: [src/api/]
"""


def _stage(flow: Flow, task: str, path: str) -> Path:
    wt = flow.worktree(task)
    blob = git(wt, "hash-object", "-w", "--", str(wt / "README.md")).strip()
    git(wt, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    return wt


def test_deep_paths_in_and_out_of_scope(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = planned_flow(tmp_path / "repo", capsys)
    wt = _stage(flow, "T1", f"src/auth/{DEEP}")
    flow.ok("check-scope", "--staged", cwd=wt)
    flow.forge_done("T1")
    flow.ok("check-scope", "--branch", flow.branch("T1"))
    git(wt, "reset", "-q", "--hard", "HEAD~1")  # (writing such a path onto the integration
    flow.submit("T1", {"src/auth/jwt.py": "honest\n"})  # branch is ap/git/trees.py's concern)
    wt = _stage(flow, "T2", f"src/elsewhere/{DEEP}")
    code, _, err = flow.ap("check-scope", "--staged", cwd=wt)
    assert code == 1 and "outside scope_touch" in err, err
    flow.forge_done("T2")
    code, _, err = flow.ap("check-scope", "--branch", flow.branch("T2"))
    assert code == 1, err
    code, _, err = flow.ap("merge-wave")
    assert code == 1, err
    assert flow.plan_statuses()["T1"] == "merged"
    assert flow.plan_statuses()["T2"] == "failed"


def test_deep_paths_against_several_globstars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = planned_flow(tmp_path / "repo", capsys, GLOBS)
    wt = _stage(flow, "T1", f"lib/{DEEP[:-4]}keep.py")
    flow.ok("check-scope", "--staged", cwd=wt)
    wt = _stage(flow, "T2", f"lib/{DEEP[:-4]}keep.py")  # T1 owns it
    code, _, err = flow.ap("check-scope", "--staged", cwd=wt)
    assert code == 1 and "forbidden by 'lib/**/a/**/a/**/keep.py'" in err, err


def test_a_deep_symlink_is_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = planned_flow(tmp_path / "repo", capsys)
    wt = flow.worktree("T1")
    link = f"src/auth/{DEEP[:-4]}p"  # 5,002 folders deep; its target climbs to src/
    target = "q/../" + "../" * 5001 + "api/routes.py"  # q: looked up 5,003 folders deep
    proc = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=wt, input=target, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    git(wt, "update-index", "--add", "--cacheinfo", f"120000,{proc.stdout.strip()},{link}")
    reason = "symlink target 'src/api/routes.py': forbidden by 'src/api/'"
    code, _, err = flow.ap("check-scope", "--staged", cwd=wt)
    assert code == 1 and reason in err, err[-500:]
    flow.forge_done("T1")
    code, _, err = flow.ap("check-scope", "--branch", flow.branch("T1"))
    assert code == 1 and reason in err, err[-500:]


def test_a_deep_path_in_scope_is_merged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Writing the merge's tree walks every folder of the path: no recursion there either."""
    flow = planned_flow(tmp_path / "repo", capsys)
    _stage(flow, "T1", f"src/auth/{DEEP}")
    flow.forge_done("T1")
    flow.submit("T2", {"src/api/routes.py": "ROUTES = ['/login']\n"})
    flow.ok("merge-wave")
    assert flow.plan_statuses()["T1"] == "merged"
    assert f"src/auth/{DEEP}" in flow.tree(flow.integration)
