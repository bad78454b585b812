"""The analytic phase's progress, as `ap plan --json` reports it (ap/plan/pipeline.py)."""

from __future__ import annotations

import json

import pytest

from ap.cli import main
from tests.helpers import Repo


def test_the_analysis_reports_its_steps_with_growing_progress(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["-C", str(repo.root), "plan", "Add JWT authentication", "--dry-run", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    said = [e for e in events if e["type"] == "status" and e["phase"] == "analysis"]
    steps = [e["current_activity"] for e in said]
    assert steps == [
        "indexing files",
        "reading history and past plans",
        "ranking files",
        "proposing objectives",
        "analysis complete",
    ]
    percents = [e["progress_percent"] for e in said]
    assert percents == sorted(percents) and percents[0] == 0.0 and percents[-1] == 100.0
    assert len(set(percents)) == len(percents)  # each step moves it on
    assert all(e["elapsed"] >= 0 for e in said)
