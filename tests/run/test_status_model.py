"""`ap status --json`: the status model (phase, wave, objectives by state, progress, elapsed,
ETA), driven through real repositories, and the text view saying the same."""

from __future__ import annotations

import io
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ap.console.renderers import ConsoleRenderer
from ap.core.config import ApConfig
from ap.core.events import event
from ap.core.models import Event
from ap.git import Git
from ap.run.status import plan_status
from tests.helpers import make_repo
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


def status(flow: Flow) -> dict[str, Any]:
    code, out, err = flow.ap("status", "--json")
    assert code == 0, err
    (event,) = [json.loads(line) for line in out.splitlines()]
    assert event["type"] == "status"
    return dict(event)


def counts(**given: int) -> dict[str, int]:
    return {state: given.get(state, 0) for state in STATES}


def test_a_failed_plan_counts_only_merged_objectives_as_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = with_worker(planned_flow(tmp_path / "repo", capsys, FOUR, files=FILES), tmp_path)
    monkeypatch.setenv("FAIL_T3", "1")
    code, _, _ = flow.ap("run")
    assert code == 1
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "failed", "T4": "blocked"}
    s = status(flow)
    assert s["status"] == "failed" and s["phase"] == "failed" and s["wave"] is None
    assert s["progress_percent"] == 50.0
    assert s["counts"] == counts(merged=2, failed=1, blocked=1)
    assert s["elapsed"] >= 0 and s["estimated_remaining"] is None
    assert "T3" in s["current_activity"]
    assert [o["task"] for o in s["objectives"]] == ["T1", "T2", "T3", "T4"]  # (kept)
    shown = flow.ok("status")
    assert "progress: 50% (2 of 4 merged; 1 failed, 1 blocked)" in shown, shown
    assert "phase: failed" in shown, shown


def test_a_fresh_plan_is_planned_at_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    flow = Flow(repo, capsys)
    flow.ok("init")
    repo.commit("chore: ap init")
    (tmp_path / "objectives.yaml").write_text(FOUR, encoding="utf-8")
    flow.ok("plan", "--from", str(tmp_path / "objectives.yaml"))
    s = status(flow)
    assert (s["phase"], s["wave"], s["started"]) == ("planned", None, False)
    assert s["progress_percent"] == 0.0 and s["elapsed"] == 0.0
    assert s["counts"] == counts(pending=4)
    assert "phase: planned" in flow.ok("status")


def test_a_running_plan_names_its_wave_and_what_is_running(
    flow: Flow, capsys: pytest.CaptureFixture[str]
) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "def issue(user):\n    return [user]\n"})
    s = status(flow)
    assert s["status"] == "running" and (s["phase"], s["wave"]) == ("execution", 1)
    assert s["counts"] == counts(done=1, running=1, pending=1)
    assert s["progress_percent"] == 0.0  # done is not merged yet
    assert "T2" in s["current_activity"] and s["elapsed"] >= 0
    shown = flow.ok("status")
    assert "phase: execution, wave 1 of 2; elapsed " in shown, shown
    assert " — T2 running\n" in shown, shown
    assert "progress: 0% (0 of 3 merged)" in shown, shown
    flow.submit("T2", {"src/api/routes.py": "ROUTES = [1]\n"})
    assert (status(flow)["phase"], status(flow)["wave"]) == ("merge", 1)
    flow.ok("merge-wave")
    s = status(flow)
    assert s["progress_percent"] == round(100 * 2 / 3, 1) and s["counts"]["merged"] == 2


def test_a_done_plan_is_accomplished_at_full_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = with_worker(planned_flow(tmp_path / "repo", capsys, FOUR, files=FILES), tmp_path)
    flow.ok("run")
    s = status(flow)
    assert (s["status"], s["phase"], s["wave"]) == ("done", "accomplished", None)
    assert s["progress_percent"] == 100.0 and s["counts"] == counts(merged=4)
    assert s["waves_merged"] == [1, 2] and s["estimated_remaining"] is None
    assert "phase: accomplished" in flow.ok("status")


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
    s = status(flow)
    assert s["waves_merged"] == [1, 2] and s["phase"] == "accomplished"


def rendered(*events: Event) -> list[str]:
    out = io.StringIO()
    render = ConsoleRenderer(out, terminal=False)
    for ev in events:
        render(ev)
    return out.getvalue().splitlines()


def test_the_console_says_what_the_model_says_and_no_percent_while_analysing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    analysing = event("status", "analysis", current_activity="reading src/", progress_percent=0.0)
    assert rendered(analysing) == ["analysis — reading src/"]
    flow = with_worker(planned_flow(tmp_path / "repo", capsys, FOUR, files=FILES), tmp_path)
    monkeypatch.setenv("FAIL_T3", "1")
    flow.ap("run")
    view = plan_status(Git(flow.root), ApConfig(), flow.plan_id)
    (line,) = rendered(view.event())
    assert line.startswith("failed · 50% (2 of 4 merged; 1 failed, 1 blocked)"), line
    assert line.endswith(" — failed: T3 failed, T4 blocked"), line


def test_elapsed_runs_on_while_the_plan_runs_and_stops_when_it_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ap.run.status

    flow = with_worker(planned_flow(tmp_path / "repo", capsys, FOUR, files=FILES), tmp_path)
    git, real = Git(flow.root), ap.run.status.utcnow
    hour_later = real() + timedelta(hours=1)
    monkeypatch.setattr(ap.run.status, "utcnow", lambda: hour_later)
    assert plan_status(git, ApConfig(), flow.plan_id).elapsed >= 3600  # running: up to now
    monkeypatch.setattr(ap.run.status, "utcnow", real)
    flow.ok("run")
    ended = plan_status(git, ApConfig(), flow.plan_id).elapsed
    monkeypatch.setattr(ap.run.status, "utcnow", lambda: hour_later)
    assert plan_status(git, ApConfig(), flow.plan_id).elapsed == ended < 3600  # done: stopped
