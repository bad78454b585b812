"""`ap analyze` and `ap plan REQUEST` through the command line, on a real repository."""

from __future__ import annotations

import json

import pytest

from ap.cli import main
from ap.state.store import Store
from tests.helpers import Repo


def run(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_request_dry_run_json(shop: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, shop, "plan", "--dry-run", "--json", "Round discount prices")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    types = [e["type"] for e in events]
    for expected in (
        "phase_start",
        "task_type_determined",
        "coordination_points",
        "scope_strategy",
        "objectives_created",
        "waves_created",
        "scope_validated",
        "phase_complete",
    ):
        assert expected in types
    plan = [e["plan"] for e in events if "plan" in e][-1]
    touched = [p for o in plan["objectives"] for p in o["scope_touch"]]
    assert "shop/pricing.py" in touched
    assert plan["scope_validation"]["valid"]
    assert shop.status() == ""


def test_plan_request_writes_artifacts(shop: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, shop, "plan", "Round discount prices")
    assert code == 0, err
    store = Store(shop.root)
    plan = store.load_plan()
    analysis = store.load_analysis(plan.analysis_id)
    assert analysis.analyst == "heuristic" and analysis.source.kind == "cli"
    assert plan.integration_branch == f"ap/{plan.id}/integration"


def test_analyze_prints_the_report(shop: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, shop, "analyze", "--dry-run", "Token expiry")
    assert code == 0 and "# Analysis" in out and "## Candidate files" in out
    assert Store(shop.root).ids("analysis") == []


def test_empty_request_is_refused(shop: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, shop, "plan", "   ")
    assert code == 2 and "empty" in err
    code, _, err = run(capsys, shop, "plan")
    assert code == 2 and "either a REQUEST or --from FILE" in err
