"""Dependants of a failed objective are blocked in one way, whoever notices first: the
wave merge (some objectives merged) or the start of the next wave (every objective of
the wave failed, so there was nothing to merge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ap.core.models import CoordinationPlan, Objective, ObjectiveStatus
from tests.run.test_execute import worker_flow


def test_a_wave_that_failed_whole_blocks_its_dependants_as_a_merge_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = worker_flow(tmp_path, capsys, monkeypatch, BEHAVIOUR_T1="exit", BEHAVIOUR_T2="exit")
    code, out, err = flow.ap("run", "--timeout", "30", "--json")
    assert code == 1, err
    (summary,) = [e for e in map(json.loads, out.splitlines()) if e["type"] == "run_summary"]
    rows = {r["task"]: r for r in summary["objectives"]}
    assert {t: r["status"] for t, r in rows.items()} == {
        "T1": "failed",
        "T2": "failed",
        "T3": "blocked",
    }
    assert rows["T3"]["reason"] == "depends on T1, T2"


def _plan(*objectives: tuple[str, list[str], ObjectiveStatus]) -> CoordinationPlan:
    return CoordinationPlan(
        id="20260101-p",
        objectives=[
            Objective(id=t, title=t, depends_on=deps, status=status)
            for t, deps, status in objectives
        ],
    )


def test_blocking_is_transitive_and_names_what_holds_each() -> None:
    from ap.run.start import block_dependants

    plan = _plan(
        ("A", [], ObjectiveStatus.FAILED),
        ("B", [], ObjectiveStatus.MERGED),
        ("C", ["B", "A"], ObjectiveStatus.PENDING),
        ("D", ["C"], ObjectiveStatus.PENDING),
        ("E", ["B"], ObjectiveStatus.PENDING),
    )
    assert sorted(block_dependants(plan)) == ["C", "D"]
    reasons = {o.id: (o.status, o.status_reason) for o in plan.objectives}
    assert reasons["C"] == (ObjectiveStatus.BLOCKED, "depends on A")
    assert reasons["D"] == (ObjectiveStatus.BLOCKED, "depends on C")
    assert reasons["E"] == (ObjectiveStatus.PENDING, None)
    assert block_dependants(plan) == []  # already blocked: nothing changes


def test_a_start_blocks_only_its_own_wave() -> None:
    from ap.run.start import block_dependants

    plan = _plan(
        ("A", [], ObjectiveStatus.FAILED),
        ("C", ["A"], ObjectiveStatus.PENDING),
        ("D", ["C"], ObjectiveStatus.PENDING),
    )
    assert block_dependants(plan, within={"C"}) == ["C"]
    assert plan.objectives[2].status == ObjectiveStatus.PENDING  # D: when its wave starts
