"""`ap scope request` and `ap retry` on a running plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run.conftest import Flow, git
from tests.run.test_execute import worker_flow


def test_request_overlapping_a_running_objective_is_refused(flow: Flow) -> None:
    tip = flow.repo.git("rev-parse", flow.integration)
    code, _, err = flow.ap("scope", "request", "T1", "src/api/helpers.py", "--why", "shared code")
    assert code == 1
    assert "overlaps T2 ('src/api/')" in err and "src/api/helpers.py" in err
    assert flow.repo.git("rev-parse", flow.integration) == tip  # nothing recorded


def test_request_for_a_forbidden_path_is_refused(flow: Flow) -> None:
    code, _, err = flow.ap("scope", "request", "T1", ".github/workflows/ci.yml", "--why", "ci")
    assert code == 1 and "globally forbidden by '.github/workflows/'" in err


def test_granted_path_is_recorded_and_its_change_merges(flow: Flow) -> None:
    wt = flow.worktree("T1")
    out = flow.ok("scope", "request", "T1", "docs/guide.md", "--why", "document tokens", cwd=wt)
    assert "granted docs/guide.md to T1" in " ".join(out.split())
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "pattern: docs/guide.md" in plan and "why: document tokens" in plan
    # Granted again: nothing new is committed.
    tip = flow.repo.git("rev-parse", flow.integration)
    flow.ok("scope", "request", "T1", "docs/guide.md", "--why", "again", cwd=wt)
    assert flow.repo.git("rev-parse", flow.integration) == tip
    # The hook and submit read the grant; the merge keeps the change.
    flow.submit("T1", {"src/auth/jwt.py": "tokens\n", "docs/guide.md": "how tokens work\n"})
    flow.submit("T2", {"src/api/routes.py": "routes\n"})
    # T2 may not take the granted path any more.
    code, _, err = flow.ap("scope", "request", "T2", "docs/", "--why", "docs", cwd=wt)
    assert code == 1 and "overlaps T1" in err
    flow.ok("merge-wave")
    assert flow.show(flow.integration, "docs/guide.md") == "how tokens work\n"
    assert flow.plan_statuses()["T1"] == "merged"


def test_bad_pattern_or_missing_reason_is_a_usage_error(flow: Flow) -> None:
    code, _, err = flow.ap("scope", "request", "T1", "../etc", "--why", "x")
    assert code == 2 and "rejected" in err
    code, _, err = flow.ap("scope", "request", "T1", "docs/x.md", "--why", "  ")
    assert code == 2


def test_retry_runs_a_failed_objective_again_and_unblocks_its_dependants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = worker_flow(tmp_path, capsys, monkeypatch, BEHAVIOUR_T2="exit")
    code, _, _ = flow.ap("run")
    assert code == 1
    assert flow.plan_statuses() == {"T1": "merged", "T2": "failed", "T3": "blocked"}
    failed_tip = flow.repo.git("rev-parse", flow.branch("T2")).strip()
    monkeypatch.delenv("BEHAVIOUR_T2")
    code, _, err = flow.ap("retry", "T2", "--worker", "py")
    assert code == 0, err
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    tree = flow.tree(flow.integration)
    assert {"src/auth/new.py", "src/api/new.py", "tests/test_new.py"} <= tree.keys()
    # Accomplished again, now complete (the first, partial accomplishment stays in history).
    message = flow.repo.git("log", "-1", "--format=%B", flow.integration)
    assert "AP-Step: accomplish" in message and "AP-Status: done" in message
    # The failed attempt is kept, not deleted.
    kept = git(flow.root, "for-each-ref", "--format=%(objectname)", "refs/ap/attempts/")
    assert failed_tip in kept
    code, _, err = flow.ap("retry", "T1")
    assert code == 1 and "only a failed objective" in err
