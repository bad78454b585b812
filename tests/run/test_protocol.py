"""`ap run` with workers that answer in the AP response formats: no change, blocks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ap.core.models import Event
from tests.run.conftest import Flow, planned_flow
from tests.run.test_status_model import rendered

# Per objective, by environment: CHANGE_<task>=no: it changes nothing; RESPONSE_<task>: the
# response it writes to its report; WANT_<task>=<pattern>: it is blocked until the pattern
# is in its AP_SCOPE_TOUCH, then writes a file there (ALWAYS_<task>=yes: blocked anyway);
# ECHO_<task>=yes: it prints its prompt first; PROMPTS: a folder where it keeps its prompts.
WORKER = """\
import os, pathlib, sys
task = os.environ["AP_TASK"]
prompt = sys.stdin.read()
if os.environ.get("PROMPTS"):
    folder = pathlib.Path(os.environ["PROMPTS"])
    n = len(list(folder.glob(task + "*")))
    (folder / f"{task}.{n}.txt").write_text(prompt)
if os.environ.get("ECHO_" + task) == "yes":
    print(prompt)
own = {"T1": "src/auth/new.py", "T2": "src/api/new.py", "T3": "tests/test_new.py"}[task]
response = os.environ.get("RESPONSE_" + task, "### Change Summary\\n- What changed: it\\n")
want = os.environ.get("WANT_" + task)
touch = os.environ["AP_SCOPE_TOUCH"].split("\\n")
if want and (want not in touch or os.environ.get("ALWAYS_" + task) == "yes"):
    pathlib.Path(own).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(own).write_text("# half done\\n")
    response = f"STATUS=BLOCKED\\nREQUESTED_SCOPE_ADDITION={want}\\nREASON=it needs {want}\\n"
elif want:
    pathlib.Path(want, "made.py").parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(want, "made.py").write_text(f"# by {task}\\n")
if os.environ.get("CHANGE_" + task, "yes") == "yes":
    pathlib.Path(own).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(own).write_text(f"# by {task}\\n")
if os.environ.get("ECHO_" + task) == "yes":
    print(response)
else:
    report = pathlib.Path(os.environ["AP_REPORT_PATH"])
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(response)
"""


def scripted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, **env: str
) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 4\n"
    )
    (tmp_path / "prompts").mkdir()
    monkeypatch.setenv("PROMPTS", str(tmp_path / "prompts"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return flow


def run(flow: Flow) -> tuple[int, list[dict[str, object]], dict[str, dict[str, object]]]:
    code, out, _ = flow.ap("run", "--json")
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    (summary,) = [e for e in events if e["type"] == "run_summary"]
    return code, events, {r["task"]: r for r in summary["objectives"]}


def prompts(tmp_path: Path, task: str) -> list[str]:
    return [p.read_text() for p in sorted((tmp_path / "prompts").glob(f"{task}.*.txt"))]


# -- no change -----------------------------------------------------------------


def test_no_change_is_its_own_status_and_its_dependant_is_told_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    why = "### Change Summary\n- What changed: nothing, the routes exist already\n"
    flow = scripted(tmp_path, capsys, monkeypatch, CHANGE_T2="no", RESPONSE_T2=why)
    code, events, rows = run(flow)
    assert code == 0
    reason = "nothing, the routes exist already"
    assert (rows["T2"]["status"], rows["T2"]["reason"]) == ("no_change", reason)
    assert rows["T1"]["status"] == "merged" and rows["T3"]["status"] == "merged"  # T3 ran
    assert flow.plan_statuses() == {"T1": "merged", "T2": "no_change", "T3": "merged"}
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "status: done" in plan  # (the plan: nothing failed)
    (t3,) = prompts(tmp_path, "T3")
    assert f"- T2 finished with no change: {reason}\n" in t3
    finished = [e for e in events if e["type"] == "objective_finished" and e["phase"] == "merge"]
    assert {e["task"]: e["status"] for e in finished}["T2"] == "no_change"
    status = flow.ok("status")
    assert "no_change" in status and reason in status and "1 with no change" in status
    shown = json.loads(flow.ok("status", "--json").splitlines()[-1])
    assert shown["counts"]["no_change"] == 1 and shown["progress_percent"] == 100.0
    assert "no_change" in flow.ok("show", flow.plan_id)
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert "no_change" in report and "No change: T2." in report and "Not merged" not in report


def test_a_silent_dependency_that_changes_nothing_says_nothing_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = scripted(tmp_path, capsys, monkeypatch, CHANGE_T1="no", RESPONSE_T1="")
    code, _, rows = run(flow)
    assert code == 0 and rows["T1"]["status"] == "no_change"
    said = "no change: the worker exited 0, changed nothing and wrote no response"
    assert rows["T1"]["reason"] == said
    (t3,) = prompts(tmp_path, "T3")
    assert "- T1 finished with no change: nothing said\n" in t3


# -- blocked -------------------------------------------------------------------


def test_a_blocked_worker_granted_its_scope_continues_and_merges_in_the_same_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = scripted(tmp_path, capsys, monkeypatch, WANT_T1="src/db/")
    code, events, rows = run(flow)
    assert code == 0, rows
    assert rows["T1"]["status"] == "merged"
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    tree = flow.tree(flow.integration)
    assert "src/db/made.py" in tree and "src/auth/new.py" in tree  # (and its first half)
    said = [e for e in events if e["type"] == "scope_request"]
    assert [(e["task"], e["granted"], e["continues"]) for e in said] == [("T1", ["src/db/"], True)]
    assert "granted src/db/" in str(said[0]["message"])
    first, second = prompts(tmp_path, "T1")
    assert "SCOPE_TOUCH=src/auth/\n" in first and "SCOPE_TOUCH=src/auth/,src/db/\n" in second


def test_a_second_block_in_the_run_fails_instead_of_asking_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = scripted(tmp_path, capsys, monkeypatch, WANT_T1="src/db/", ALWAYS_T1="yes")
    code, events, rows = run(flow)
    assert code == 1 and rows["T1"]["status"] == "failed"
    assert "blocked again" in str(rows["T1"]["reason"])
    assert len(prompts(tmp_path, "T1")) == 2  # (run twice, not more)
    assert len([e for e in events if e["type"] == "scope_request"]) == 1
    assert flow.plan_statuses() == {"T1": "failed", "T2": "merged", "T3": "blocked"}


def test_a_blocked_worker_refused_its_scope_fails_naming_the_objective_in_the_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = scripted(tmp_path, capsys, monkeypatch, WANT_T1="src/api/")
    code, events, rows = run(flow)
    assert code == 1 and rows["T1"]["status"] == "failed"
    reason = " ".join(str(rows["T1"]["reason"]).split())
    assert "refused" in reason and "overlaps T2" in reason, reason
    assert len(prompts(tmp_path, "T1")) == 1
    (said,) = [e for e in events if e["type"] == "scope_request"]
    assert said["continues"] is False and "T2" in str(said["message"])
    assert "overlaps T2" in flow.ok("status")
    line = " ".join(rendered(Event.model_validate(said)))
    assert line.startswith("✗ T1: blocked — scope refused: 'src/api/' is refused for T1"), line


# -- stdout --------------------------------------------------------------------


def test_a_worker_that_echoes_its_prompt_is_not_read_as_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = scripted(tmp_path, capsys, monkeypatch, ECHO_T1="yes")
    code, _, rows = run(flow)
    assert code == 0 and rows["T1"]["status"] == "merged", rows
    report = flow.show(flow.integration, f"docs/sessions/{flow.plan_id}/T1.md")
    assert "What changed: it" in report and "STATUS=BLOCKED" not in report
