"""Crash safety: a kill at every step of merge-wave and accomplish, then a re-run, ends
exactly where an uninterrupted run ends; two merges racing make one merge commit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ap.run.faults import ACCOMPLISH_STEPS, EXIT_CODE, MERGE_STEPS
from tests.run.conftest import Flow, planned_flow, run_ap

VOLATILE = ("docs/plans/", "docs/accomplishments/")  # hold timestamps of the run itself


def _prepared(tmp_path: Path, capsys: pytest.CaptureFixture[str], *, last_wave: bool) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys)
    (flow.root / "ap.yaml").write_text("gates:\n  - name: files\n    command: test -e README.md\n")
    flow.submit("T1", {"src/auth/jwt.py": "tokens\n"})
    flow.submit("T2", {"src/api/routes.py": "routes\n"})
    if last_wave:
        flow.ok("merge-wave")
        flow.ok("start")
        flow.submit("T3", {"tests/test_x.py": "def test(): pass\n"})
        flow.ok("merge-wave")
    flow.drop_worktrees()
    return flow


def _copy(flow: Flow, name: str) -> Flow:
    root = flow.root.parent / name / "repo"
    shutil.copytree(flow.root, root, symlinks=True)
    copy = Flow(flow.repo.__class__(root), flow.capsys)
    copy.plan_id = flow.plan_id
    return copy


def _stable_tree(flow: Flow) -> dict[str, str]:
    return {p: o for p, o in flow.tree(flow.integration).items() if not p.startswith(VOLATILE)}


def _crash_and_rerun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, step: str
) -> tuple[Flow, Flow]:
    """Two copies: ``command`` run once uninterrupted, and killed at ``step`` then run again."""
    base = _prepared(tmp_path, capsys, last_wave=command == "accomplish")
    reference, crashed = _copy(base, "reference"), _copy(base, "crashed")
    assert run_ap(reference.root, command).returncode == 0
    killed = run_ap(crashed.root, command, env={"AP_FAULT": step})
    assert killed.returncode == EXIT_CODE, killed.stderr
    again = run_ap(crashed.root, command)
    assert again.returncode == 0, again.stderr
    return reference, crashed


def _steps_with(flow: Flow, step: str) -> int:
    log = flow.repo.git("log", "--format=%B%x00", flow.integration)
    return log.count(f"AP-Step: {step}\n")


@pytest.mark.parametrize("step", MERGE_STEPS)
def test_merge_wave_converges_after_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str
) -> None:
    reference, crashed = _crash_and_rerun(tmp_path, capsys, "merge-wave", step)
    assert _stable_tree(crashed) == _stable_tree(reference)
    assert (
        crashed.plan_statuses()
        == reference.plan_statuses()
        == {
            "T1": "merged",
            "T2": "merged",
            "T3": "pending",
        }
    )
    assert _steps_with(crashed, "merge") == 1  # nothing merged twice
    for task in ("T1", "T2"):  # no commit lost
        tip = crashed.repo.git("rev-parse", crashed.branch(task)).strip()
        crashed.repo.git("merge-base", "--is-ancestor", tip, crashed.integration)
    assert "ap-gates-" not in crashed.repo.git("worktree", "list")


@pytest.mark.parametrize("step", ACCOMPLISH_STEPS)
def test_accomplish_converges_after_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str
) -> None:
    reference, crashed = _crash_and_rerun(tmp_path, capsys, "accomplish", step)
    assert _stable_tree(crashed) == _stable_tree(reference)
    assert _steps_with(crashed, "accomplish") == 1
    assert "AP-Step: accomplish" in crashed.repo.git(
        "log", "-1", "--format=%B", crashed.integration
    )


def test_two_merges_racing_make_one_merge_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = _prepared(tmp_path, capsys, last_wave=False)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ap", "merge-wave"],
            cwd=flow.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.communicate()) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    assert _steps_with(flow, "merge") == 1
    assert len(flow.repo.git("rev-list", "--merges", flow.integration).split()) == 1
