"""`ap list` reads whole only the artifacts it has not listed in their present form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import ap.state.digests
from ap.cli import main
from ap.state.store import Store
from tests.helpers import Repo

OBJECTIVES = """\
request: {request}
objectives:
  - id: T1
    title: One
    scope_touch: [src/a/]
  - id: T2
    title: Two
    scope_touch: [src/b/]
"""


def listed(repo: Repo, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["-C", str(repo.root), "list", "--json"]) == 0
    out = capsys.readouterr().out
    found: dict[str, Any] = json.loads(out.splitlines()[-1])
    del found["ts"]
    return found


def test_a_second_listing_reads_no_artifact_whole_and_an_edit_is_read_again(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        path = repo.write(f"o{n}.yaml", OBJECTIVES.format(request=f"request {n}"))
        assert main(["-C", str(repo.root), "plan", "--from", str(path)]) == 0
    capsys.readouterr()
    first = listed(repo, capsys)
    assert [p["request"] for p in first["plans"]] == ["request 0", "request 1", "request 2"]
    read: list[str] = []
    real = ap.state.digests.from_markdown

    def counted(model: Any, text: str, *, where: str) -> Any:
        read.append(where)
        return real(model, text, where=where)

    monkeypatch.setattr(ap.state.digests, "from_markdown", counted)
    assert listed(repo, capsys) == first and read == []
    plan_id = first["plans"][1]["id"]
    plan_file = Store(repo.root).path_for("plan", plan_id)
    plan_file.write_text(plan_file.read_text().replace("request: request 1", "request: edited"))
    again = listed(repo, capsys)
    assert [p["request"] for p in again["plans"]] == ["request 0", "edited", "request 2"]
    assert read == [f"docs/plans/PLAN_{plan_id}.md"]


def test_a_broken_artifact_is_reported_even_after_a_listing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.write("o.yaml", OBJECTIVES.format(request="r"))
    assert main(["-C", str(repo.root), "plan", "--from", str(path)]) == 0
    listed(repo, capsys)
    plan_file: Path = next((repo.root / "docs" / "plans").glob("PLAN_*.md"))
    plan_file.write_text(plan_file.read_text().replace("status: planned", "status: sideways"))
    assert main(["-C", str(repo.root), "list"]) == 2
    assert plan_file.name in capsys.readouterr().err


def test_an_extract_changed_in_a_new_version_reads_no_old_extract(tmp_path: Path) -> None:
    def one(model: Any) -> dict[str, Any]:
        return {"id": model.id}

    def other(model: Any) -> dict[str, Any]:
        return {"id": model.id, "more": 1}

    assert (
        ap.state.digests.Digests(tmp_path, "x", one).file
        != ap.state.digests.Digests(tmp_path, "x", other).file
    )
