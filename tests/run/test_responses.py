"""The AP response a worker writes: parsed once, and what `ap run` and `ap submit` do with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ap.mcp.objective import check_response
from ap.run.response import parse_response, response_start
from ap.run.submit import read_report
from tests.run.conftest import Flow, git, planned_flow, run_ap

# RESPONSE_<task>: the AP response it gives; WHERE_<task>: "file" (AP_REPORT_PATH, the
# default) or "stdout"; CHANGE_<task>=no: it changes nothing.
WORKER = """\
import os, pathlib, sys
task = os.environ["AP_TASK"]
sys.stdin.read()
own = {"T1": "src/auth/new.py", "T2": "src/api/new.py", "T3": "tests/test_new.py"}[task]
if os.environ.get("CHANGE_" + task, "yes") == "yes":
    pathlib.Path(own).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(own).write_text(f"# by {task}\\n")
response = os.environ.get("RESPONSE_" + task)
if response is not None:
    print("working on it ...")
    if os.environ.get("WHERE_" + task, "file") == "stdout":
        print(response)
    else:
        report = pathlib.Path(os.environ["AP_REPORT_PATH"])
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(response)
"""

SUMMARY = """\
Added the token module.

### Change Summary
- What changed: src/auth/jwt.py issues tokens
- Proposed commit: `feat(auth): issue JWT tokens`
- Tests: 12 passed
- Lint: clean
- Limitations: no refresh tokens yet
"""


def test_a_change_summary_gives_its_fields() -> None:
    found = parse_response(SUMMARY)
    assert found.kind == "summary" and not found.failed
    assert found.fields == {
        "changed": "src/auth/jwt.py issues tokens",
        "commit": "feat(auth): issue JWT tokens",
        "tests": "12 passed",
        "lint": "clean",
        "limitations": "no refresh tokens yet",
    }
    assert found.change_summary.startswith("- What changed:")


def test_a_failure_report_gives_the_workers_own_reason_on_one_line() -> None:
    text = "I tried.\n\n## Failure Report\n\n- the API is frozen\n  until v2\n\nI tried X.\n"
    found = parse_response(text)
    assert found.kind == "failure" and found.failed
    assert found.reason == "the API is frozen until v2"
    assert found.failure_reason() == "the worker reported failure: the API is frozen until v2"


def test_a_failure_report_wins_over_a_change_summary_and_is_clipped() -> None:
    text = "### Change Summary\n- half\n\n### Failure Report\n" + "x" * 1000 + "\n"
    found = parse_response(text)
    assert found.kind == "failure" and len(found.reason) == 300


def test_a_blocked_reply_names_the_scope_it_requests() -> None:
    text = (
        "STATUS=BLOCKED\nREQUESTED_SCOPE_ADDITION=src/db/, docs/api.md\n"
        "REASON=the token needs a users table\n"
    )
    found = parse_response(text)
    assert found.kind == "blocked" and found.failed
    assert found.requested_scope == ("src/db/", "docs/api.md")
    assert found.reason == "the token needs a users table"
    assert "src/db/, docs/api.md" in found.failure_reason()
    assert "the token needs a users table" in found.failure_reason()


def test_a_blocked_reply_takes_its_reason_from_a_failure_report() -> None:
    text = "STATUS: BLOCKED\n- REQUESTED_SCOPE_ADDITION: src/db/\n\n### Failure Report\nno db\n"
    found = parse_response(text)
    assert (found.kind, found.reason, found.requested_scope) == ("blocked", "no db", ("src/db/",))


def test_control_characters_in_a_reason_become_spaces() -> None:
    found = parse_response("### Failure Report\nbad\x1b[31m red\r\n")
    assert "\x1b" not in found.reason and "\r" not in found.reason


def test_text_without_a_response_is_none() -> None:
    assert parse_response("just some output\nstatus: fine\n").kind == "none"
    assert response_start("just some output\nREASON=none\n") is None


def test_a_response_starts_at_its_first_line() -> None:
    text = "chatter\nREQUESTED_SCOPE_ADDITION=src/db/\nSTATUS=BLOCKED\n"
    assert text[response_start(text) or 0 :].startswith("REQUESTED_SCOPE_ADDITION")


def test_a_blocked_report_file_is_read_as_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "T1.md"
    path.write_text("STATUS=BLOCKED\nREQUESTED_SCOPE_ADDITION=src/db/\n", encoding="utf-8")
    report = read_report(path, "p", "T1", "docs/sessions/p/T1.md")
    assert report is not None and report.status == "failed"


def test_the_mcp_server_accepts_a_blocked_reply() -> None:
    check_response("STATUS=BLOCKED\nREQUESTED_SCOPE_ADDITION=src/db/\nREASON=needs a table\n")


def responding_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, **env: str
) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 4\n"
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return flow


def run_summary(flow: Flow) -> tuple[int, dict[str, dict[str, object]]]:
    code, out, _ = flow.ap("run", "--json")
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    (summary,) = [e for e in events if e["type"] == "run_summary"]
    return code, {r["task"]: r for r in summary["objectives"]}


@pytest.mark.parametrize("where", ["file", "stdout"])
def test_a_failure_report_fails_the_objective_with_the_workers_reason(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    failure = "Tried hard.\n\n### Failure Report\nthe API schema is frozen until v2\n"
    flow = responding_flow(
        tmp_path, capsys, monkeypatch, RESPONSE_T2=failure, WHERE_T2=where, CHANGE_T2="no"
    )
    code, rows = run_summary(flow)
    assert code == 1
    assert rows["T2"]["status"] == "failed"
    assert "the API schema is frozen until v2" in str(rows["T2"]["reason"])
    assert rows["T1"]["status"] == "merged" and rows["T3"]["status"] == "blocked"
    assert flow.plan_statuses()["T2"] == "failed"
    assert "the API schema is frozen until v2" in flow.ok("status")


def test_a_change_summary_on_stdout_becomes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = responding_flow(tmp_path, capsys, monkeypatch, RESPONSE_T1=SUMMARY, WHERE_T1="stdout")
    code, rows = run_summary(flow)
    assert code == 0 and rows["T1"]["status"] == "merged"
    report = flow.show(flow.integration, f"docs/sessions/{flow.plan_id}/T1.md")
    assert "Proposed commit: `feat(auth): issue JWT tokens`" in report
    assert "working on it" not in report  # (its chatter before the response: in its log only)


def test_submit_no_change_with_a_failure_report_is_a_failure(flow: Flow) -> None:
    rel = f"docs/sessions/{flow.plan_id}/T1.md"
    failure = "### Failure Report\nthe token library is not vendored\n"
    wt = flow.write("T1", {rel: failure})
    flow.ok("submit", "--no-change", cwd=wt)
    assert "AP-Status: failed" in git(wt, "log", "-1", "--format=%B")
    flow.submit("T2", {"src/api/new.py": "x\n"})
    _, _, err = flow.ap("merge-wave")
    said = " ".join((err + flow.ok("status")).split())
    assert "the token library is not vendored" in said, said
    assert flow.plan_statuses()["T1"] == "failed"


def test_a_blocked_worker_gets_its_conflict_free_scope_and_runs_again_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = "STATUS=BLOCKED\nREQUESTED_SCOPE_ADDITION=src/db/\nREASON=tokens need a users table\n"
    flow = responding_flow(tmp_path, capsys, monkeypatch, RESPONSE_T1=blocked)
    code, rows = run_summary(flow)
    # (this worker blocks again, grant or not: the second block fails it, once)
    assert code == 1 and rows["T1"]["status"] == "failed"
    reason = str(rows["T1"]["reason"])
    assert "blocked again" in reason and "tokens need a users table" in reason
    assert "src/auth/new.py" not in flow.tree(flow.integration)  # its half-work is not merged
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "pattern: src/db/" in plan and "tokens need a users table" in plan


def test_a_blocked_worker_asking_for_anothers_scope_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = "STATUS=BLOCKED\nREQUESTED_SCOPE_ADDITION=src/api/routes.py\nREASON=register\n"
    flow = responding_flow(tmp_path, capsys, monkeypatch, RESPONSE_T1=blocked)
    code, rows = run_summary(flow)
    assert code == 1 and rows["T1"]["status"] == "failed"
    reason = " ".join(str(rows["T1"]["reason"]).split())
    assert "refused" in reason and "T2" in reason, reason
    assert flow.plan_statuses()["T1"] == "failed"
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "pattern: src/api/routes.py" not in plan


def test_a_silent_worker_that_changes_nothing_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = responding_flow(tmp_path, capsys, monkeypatch, CHANGE_T1="no")
    code, rows = run_summary(flow)
    assert code == 0
    said = "no change: the worker exited 0, changed nothing and wrote no response"
    assert (rows["T1"]["status"], rows["T1"]["reason"]) == ("no_change", said)
    assert rows["T2"]["reason"] is None  # (a worker that changed something: nothing to say)


def test_a_persons_failure_report_ends_their_turn_with_their_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = responding_flow(tmp_path, capsys, monkeypatch)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ap", "run", "--worker", "manual", "--timeout", "60", "--json"],
        cwd=flow.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    events = []
    for line in proc.stdout:
        ev = json.loads(line)
        events.append(ev)
        if ev["type"] != "message" or " is yours: " not in ev["message"]:
            continue
        task = ev["message"].split(" ", 1)[0]
        tree = Path(ev["message"].split("work in ", 1)[1].split(", then", 1)[0])
        if task == "T1":
            report = tree / f"docs/sessions/{flow.plan_id}/T1.md"
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text("### Failure Report\nno signing key is available\n")
            submitted = run_ap(tree, "submit", "--no-change")
        else:
            (tree / "src/api/by_hand.py").write_text("# by hand\n")
            submitted = run_ap(tree, "submit")
        assert submitted.returncode == 0, submitted.stderr
    assert proc.wait(timeout=120) == 1
    (summary,) = [e for e in events if e["type"] == "run_summary"]
    rows = {r["task"]: r for r in summary["objectives"]}
    assert rows["T1"]["status"] == "failed"
    assert "no signing key is available" in str(rows["T1"]["reason"])
    assert flow.plan_statuses() == {"T1": "failed", "T2": "merged", "T3": "blocked"}
