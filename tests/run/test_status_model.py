"""`ap status --json`: the status model (phase, wave, objectives by state, progress, elapsed,
ETA), driven through real repositories, and the text view saying the same."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.run.conftest import Flow, planned_flow
from tests.run.test_retry import FILES, SEQUENTIAL, WORKER

FOUR = """\
request: Four objectives, one of which fails
objectives:
  - id: T1
    title: A
    scope_touch: [src/a/]
  - id: T2
    title: B
    scope_touch: [src/b/]
  - id: T3
    title: C
    scope_touch: [src/c/]
  - id: T4
    title: D
    scope_touch: [src/d/]
    depends_on: [T3]
    integration_points: ["uses C"]
"""

# Wave 1 merges T3 while T1 fails; wave 2 merges T2; the retry merges T1 in wave 1 again.
RETRIED = (
    SEQUENTIAL
    + """\
  - id: T3
    title: Beside
    scope_touch: [src/b/]
"""
)

STATES = ("pending", "running", "done", "merged", "failed", "blocked")


def with_worker(flow: Flow, tmp_path: Path) -> Flow:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 4\n"
    )
    return flow


def test_a_retried_two_wave_plan_reports_two_waves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = with_worker(planned_flow(tmp_path / "repo", capsys, RETRIED, files=FILES), tmp_path)
    monkeypatch.setenv("FAIL_T1", "1")
    code, _, _ = flow.ap("run")
    assert code == 1
    monkeypatch.delenv("FAIL_T1")
    flow.ok("retry", "T1")
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert plan.count("\n- wave: 1\n") == 2  # two merges of wave 1: the run's, the retry's
    reports = sorted(p for p in flow.tree(flow.integration) if p.startswith("docs/accomplish"))
    text = flow.show(flow.integration, reports[-1])
    assert "3 of 3 objective(s) merged in 2 wave(s)" in text, text
