"""`ap retry`: refused without a trace while a run goes on; unblocks everything downstream."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git, planned_flow

# Writes one file inside its scope. FAIL_<task>: always fails; FAIL_ONCE_<task>=DIR: fails
# the first time (leaves a mark in DIR); WAIT_<task>=FILE: says it started (FILE.started)
# and waits until FILE exists.
WORKER = """\
import os, pathlib, sys, time
task = os.environ["AP_TASK"]
sys.stdin.read()
once = os.environ.get("FAIL_ONCE_" + task)
if once:
    mark = pathlib.Path(once) / task
    if not mark.exists():
        mark.write_text("failed once")
        sys.exit(3)
if os.environ.get("FAIL_" + task):
    sys.exit(4)
wait = os.environ.get("WAIT_" + task)
if wait:
    pathlib.Path(wait + ".started").write_text(str(os.getpid()))
    deadline = time.monotonic() + 120
    while not pathlib.Path(wait).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
scope = os.environ["AP_SCOPE_TOUCH"].splitlines()[0]
target = pathlib.Path(scope + task + ".txt" if scope.endswith("/") else scope)
target.parent.mkdir(parents=True, exist_ok=True)
target.write_text(f"by {task}\\n")
"""

FILES = {"README.md": "# x\n", "src/a/keep.txt": "a\n", "src/b/keep.txt": "b\n"}


def team_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str], objectives: str) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys, objectives, files=FILES)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 4\n"
    )
    return flow


def refs(flow: Flow) -> str:
    return git(flow.root, "for-each-ref", "--format=%(refname) %(objectname)")


def worktrees(flow: Flow) -> list[str]:
    out = git(flow.root, "worktree", "list", "--porcelain")
    return [line for line in out.splitlines() if line.startswith("worktree ")]


def wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"never started: {proc.communicate()}")
        time.sleep(0.05)


SEQUENTIAL = """\
request: Two objectives that may not run together
objectives:
  - id: T1
    title: The folder
    scope_touch: [src/a/]
  - id: T2
    title: A file in it
    scope_touch: [src/a/keep.txt]
"""


def test_retry_while_the_plan_runs_is_refused_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """T1 failed in wave 1; while the run's wave 2 works, `ap retry T1` is refused before it
    touches anything (branches, plan, worktrees), and the run ends as if alone."""
    flow = team_flow(tmp_path, capsys, SEQUENTIAL)
    go = tmp_path / "go"
    env = {**os.environ, "FAIL_T1": "1", "WAIT_T2": str(go)}
    first = subprocess.Popen(
        [sys.executable, "-m", "ap", "run"],
        cwd=flow.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(Path(f"{go}.started"), first)  # T1 failed and recorded: wave 2 is working
    assert flow.plan_statuses()["T1"] == "failed"
    before = (refs(flow), worktrees(flow), flow.repo.status())
    code, _, err = flow.ap("retry", "T1")
    assert code == 1
    assert f"being run already, by `ap run` process {first.pid}" in " ".join(err.split())
    assert (refs(flow), worktrees(flow), flow.repo.status()) == before
    go.write_text("go")
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 1, first_err  # T1 failed; the rest was done
    assert "Traceback" not in first_err
    assert flow.plan_statuses() == {"T1": "failed", "T2": "merged"}
    log = git(flow.root, "log", "--format=%B", flow.integration)
    assert "AP-Step: accomplish" in log and "AP-Step: retry" not in log
    assert git(flow.root, "for-each-ref", "refs/ap/attempts/") == ""
    # Once the run is over, the retry goes through.
    code, _, err = flow.ap("retry", "T1")
    assert code == 0, err
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged"}


CHAIN = """\
request: A chain
objectives:
  - id: T1
    title: First
    scope_touch: [src/a/]
  - id: T2
    title: Second
    scope_touch: [src/b/]
    depends_on: [T1]
    integration_points: ["uses a"]
  - id: T3
    title: Third
    scope_touch: [src/c/]
    depends_on: [T2]
    integration_points: ["uses b"]
"""

DIAMOND = """\
request: A diamond, and a branch that fails for good
objectives:
  - id: T1
    title: Root
    scope_touch: [src/a/]
  - id: T2
    title: Left
    scope_touch: [src/b/]
    depends_on: [T1]
    integration_points: ["uses a"]
  - id: T3
    title: Right
    scope_touch: [src/c/]
    depends_on: [T1]
    integration_points: ["uses a"]
  - id: T4
    title: Join
    scope_touch: [src/d/]
    depends_on: [T2, T3]
    integration_points: ["uses b and c"]
  - id: T5
    title: Broken for good
    scope_touch: [src/e/]
  - id: T6
    title: Needs the root and the broken one
    scope_touch: [src/f/]
    depends_on: [T4, T5]
    integration_points: ["uses d and e"]
"""


@pytest.mark.parametrize(
    ("objectives", "after_run", "after_retry", "plan_status"),
    [
        (
            CHAIN,
            {"T1": "failed", "T2": "blocked", "T3": "blocked"},
            {"T1": "merged", "T2": "merged", "T3": "merged"},
            "done",
        ),
        (
            DIAMOND,
            {"T1": "failed", "T2": "blocked", "T3": "blocked", "T4": "blocked",
             "T5": "failed", "T6": "blocked"},
            {"T1": "merged", "T2": "merged", "T3": "merged", "T4": "merged",
             "T5": "failed", "T6": "blocked"},
            "failed",
        ),
    ],
    ids=["chain", "diamond"],
)  # fmt: skip
def test_retry_unblocks_everything_downstream_that_no_failure_holds(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    objectives: str,
    after_run: dict[str, str],
    after_retry: dict[str, str],
    plan_status: str,
) -> None:
    flow = team_flow(tmp_path, capsys, objectives)
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("FAIL_ONCE_T1", str(marks))
    monkeypatch.setenv("FAIL_T5", "1")
    code, _, _ = flow.ap("run")
    assert code == 1
    assert flow.plan_statuses() == after_run
    code, _, err = flow.ap("retry", "T1")
    assert code == 0, err  # (T5 is not retried: it failed before, not in this run)
    assert flow.plan_statuses() == after_retry
    tree = flow.tree(flow.integration)
    for task, status in after_retry.items():
        assert (status == "merged") == any(p.endswith(f"/{task}.txt") for p in tree), task
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert f"\nstatus: {plan_status}\n" in plan
    log = git(flow.root, "log", "-1", "--format=%B", flow.integration)
    assert "AP-Step: accomplish" in log
