from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ap.core.errors import ArtifactError
from ap.core.ids import is_valid_id
from ap.core.models import (
    AccomplishmentReport,
    AnalysisReport,
    CoordinationPlan,
    Model,
    Objective,
    WorkerReport,
)
from ap.state.store import Store, created_at_in, from_markdown, slugify, to_markdown
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


def test_latest_is_the_newest_by_created_at_whatever_the_files_look_like(repo: Repo) -> None:
    """The latest artifact is found from each file's ``created_at`` line; hand-edited
    forms (a YAML timestamp, a naive time, a text that only looks like the key) agree
    with loading every artifact, and a file whose time can't be read is loaded whole."""
    store = Store(repo.root)
    times = ["2026-11-20T10:00:00Z", "2026-11-24T09:30:00Z", "2026-11-22T00:00:00Z"]
    for n, moment in enumerate(times):
        store.save(
            CoordinationPlan(
                id=f"20261101-p{n}",
                request=f"x\ncreated_at: '2099-01-01T00:00:00Z'\n{n}",
                created_at=datetime.fromisoformat(moment),
            )
        )
    assert store.find("plan") == store.path_for("plan", "20261101-p1")
    # Hand edits: an unquoted YAML timestamp with a space, then a naive time that is newest.
    edited = store.path_for("plan", "20261101-p2")
    text = edited.read_text().replace("'2026-11-22T00:00:00Z'", "2026-11-25 08:00:00+00:00")
    edited.write_text(text)
    assert store.find("plan") == edited
    newest = store.path_for("plan", "20261101-p0")
    newest.write_text(newest.read_text().replace("'2026-11-20T10:00:00Z'", "2026-11-26 08:00:00"))
    assert store.find("plan") == newest
    assert store.path_for("plan", store.all("plan")[-1].id) == newest  # type: ignore[attr-defined]
    # Same time: the larger id wins, as before.
    store.save(
        CoordinationPlan(id="20261101-q", created_at=datetime(2026, 11, 26, 8, tzinfo=timezone.utc))
    )
    assert store.find("plan") == store.path_for("plan", "20261101-q")
    # A file whose created_at line is unreadable is loaded whole, and its error named.
    broken = store.path_for("plan", "20261101-p1")
    broken.write_text(
        broken.read_text().replace("created_at: '2026-11-24T09:30:00Z'", "created_at: soon")
    )
    with pytest.raises(ArtifactError, match=r"PLAN_20261101-p1\.md:\d+: created_at"):
        store.find("plan")


def test_read_draft_gives_the_plan_and_the_bytes_it_was_read_from(repo: Repo) -> None:
    store = Store(repo.root)
    plan = CoordinationPlan(
        id="20261125-add-jwt-auth",
        request="Add JWT authentication",
        objectives=[Objective(id="T1", title="Tokens", scope_touch=["src/auth/"])],
        waves=[["T1"]],
    )
    path = store.save(plan)
    loaded, read = store.read_draft(plan.id)
    assert loaded == plan
    assert read == {"docs/plans/PLAN_20261125-add-jwt-auth.md": path.read_bytes()}
    with pytest.raises(ArtifactError, match="no such file"):
        store.read_draft("20261125-nothing")


def test_created_at_is_read_off_the_front_matter_line() -> None:
    plan = CoordinationPlan(
        id="20261125-x",
        request="x",
        created_at=datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc),
    )
    text = to_markdown(plan, template="plan.md.j2")
    assert created_at_in(text) == datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    assert created_at_in("no front matter") is None
    assert created_at_in("---\nid: x\n---\n") is None
