from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ap.errors import ArtifactError
from ap.ids import is_valid_id
from ap.models import (
    AccomplishmentReport,
    AnalysisReport,
    CoordinationPlan,
    Model,
    Objective,
    WorkerReport,
)
from ap.store import Store, from_markdown, slugify, to_markdown
from tests.helpers import Repo
from tests.strategies import models

ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(artifact: Model, template: str) -> None:
    text = to_markdown(artifact, template=template)
    assert from_markdown(type(artifact), text, where="x.md") == artifact


@ROUND_TRIP
@given(models(AnalysisReport))
def test_analysis_round_trip(report: AnalysisReport) -> None:
    _round_trip(report, "analysis.md.j2")


@ROUND_TRIP
@given(models(CoordinationPlan))
def test_plan_round_trip(plan: CoordinationPlan) -> None:
    _round_trip(plan, "plan.md.j2")


@ROUND_TRIP
@given(models(AccomplishmentReport))
def test_accomplishment_round_trip(report: AccomplishmentReport) -> None:
    _round_trip(report, "accomplishment.md.j2")


@ROUND_TRIP
@given(models(WorkerReport))
def test_worker_report_round_trip(report: WorkerReport) -> None:
    _round_trip(report, "session.md.j2")


def test_saved_plan_loads_back_equal_from_disk(repo: Repo) -> None:
    store = Store(repo.root)
    plan = CoordinationPlan(
        id="20261125-add-jwt-auth",
        request="Add JWT authentication\n---\nnot: front matter",
        objectives=[Objective(id="T1", title="Tokens", scope_touch=["src/auth/"])],
        waves=[["T1"]],
    )
    path = store.save(plan)
    assert path == repo.root / "docs/plans/PLAN_20261125-add-jwt-auth.md"
    assert store.load_plan("20261125-add") == plan
    assert store.load_plan(None) == plan
    assert store.load_plan(str(path)) == plan
    assert "```mermaid" in path.read_text()


def test_slug_and_ids_are_branch_safe(repo: Repo) -> None:
    assert slugify("Add JWT authentication!") == "add-jwt-authentication"
    assert slugify("Ünïcode ✓ — rocks") == "unicode-rocks"
    assert slugify("$(rm -rf /)") == "rm-rf"
    assert slugify("!!!") == "request"
    assert len(slugify("word " * 50)) <= 40
    store = Store(repo.root)
    first = store.new_id("Add JWT auth", today=date(2026, 11, 25))
    assert first == "20261125-add-jwt-auth"
    store.save(AnalysisReport(id=first, request="Add JWT auth"))
    second = store.new_id("Add JWT auth", today=date(2026, 11, 25))
    assert second == "20261125-add-jwt-auth-2"
    assert is_valid_id(first) and is_valid_id(second)
    assert repo.git("check-ref-format", "--branch", f"ap/{second}/integration").strip()


def test_ambiguous_and_missing_ids(repo: Repo) -> None:
    store = Store(repo.root)
    for suffix in ("a", "b"):
        store.save(CoordinationPlan(id=f"20261125-x{suffix}"))
    with pytest.raises(ArtifactError, match="ambiguous"):
        store.load_plan("20261125-x")
    with pytest.raises(ArtifactError, match="no plan"):
        store.load_plan("nope")


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("id: [unclosed\n", r"PLAN_bad\.md:\d+: invalid YAML"),
        ("id: x\nbogus: 1\n", r"PLAN_bad\.md:3: bogus: unknown key"),
        ("id: x\nmax_parallel: many\n", r"PLAN_bad\.md:3: max_parallel: "),
        ("- a list\n", r"expected a mapping"),
    ],
)
def test_malformed_front_matter_names_file_line_and_field(
    repo: Repo, front: str, expected: str
) -> None:
    path = repo.write("docs/plans/PLAN_bad.md", f"---\n{front}---\n# body\n")
    before = path.read_bytes()
    with pytest.raises(ArtifactError, match=expected):
        Store(repo.root).load_plan("bad")
    assert path.read_bytes() == before


def test_missing_front_matter(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no YAML front matter"):
        from_markdown(CoordinationPlan, "# just markdown\n", where="p.md")
