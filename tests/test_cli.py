from __future__ import annotations

import json
from pathlib import Path

import pytest

from ap import __version__
from ap.cli import main
from ap.core.models import CoordinationPlan, Objective
from ap.state.store import Store
from tests.helpers import Repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict[str, object]]:
    events = [json.loads(line) for line in out.splitlines()]
    for ev in events:
        assert isinstance(ev, dict)
        assert {"type", "phase", "ts"} <= ev.keys()
    return events


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"ap {__version__}"


def test_init_twice_then_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-C", str(repo.root), "init")
    assert code == 0 and "initialised" in err
    repo.commit("init")
    code, out, err = run(capsys, "-C", str(repo.root), "init", "--json")
    assert code == 0
    (ev,) = json_lines(out)
    assert ev["type"] == "phase_complete" and ev["created"] == []
    assert "nothing changed" in str(ev["message"])
    assert repo.status() == ""


def test_show_and_list(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    plan = CoordinationPlan(
        id="20261125-demo",
        request="Demo request",
        objectives=[Objective(id="T1", title="One", wave=1, scope_touch=["src/"])],
        waves=[["T1"]],
    )
    Store(repo.root).save(plan)
    code, out, _ = run(capsys, "-C", str(repo.root), "show")
    assert code == 0 and "# Coordination plan 20261125-demo" in out and "mermaid" in out
    code, out, _ = run(capsys, "-C", str(repo.root), "show", "20261125-d", "--json")
    (ev,) = json_lines(out)
    assert ev["kind"] == "plan"
    assert CoordinationPlan.model_validate(ev["plan"]) == plan
    code, out, _ = run(capsys, "-C", str(repo.root), "list", "--json")
    (ev,) = json_lines(out)
    assert ev["plans"][0]["id"] == "20261125-demo"  # type: ignore[index]
    code, out, _ = run(capsys, "-C", str(repo.root), "list")
    assert "20261125-demo" in out and "planned" in out


def test_user_mistakes_exit_2_without_traceback(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("ap.yaml", "max_parallel: 2\nbogus: true\n")
    code, out, err = run(capsys, "-C", str(repo.root), "list", "--json")
    assert code == 2
    assert "Traceback" not in err + out
    assert "ap.yaml:2: bogus: unknown key" in err
    (ev,) = json_lines(out)
    assert ev["type"] == "error" and ev["exit_code"] == 2


def test_missing_artifact_has_hint(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-C", str(repo.root), "show")
    assert code == 2
    assert "error: there is no plan" in err and "hint: create one with `ap plan`" in err


def test_outside_a_repository(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-C", str(tmp_path), "list")
    assert code == 2 and "not inside a git repository" in err and "hint:" in err


def test_bad_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--no-such-option")
    assert code == 2 and "No such option" in err


def test_internal_error_writes_log(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> None:
        raise ZeroDivisionError("bad math")

    monkeypatch.setattr("ap.console.views.listing", boom)
    code, _, err = run(capsys, "-C", str(repo.root), "list")
    assert code == 3
    assert "internal error: ZeroDivisionError: bad math" in err
    log = err.split("the traceback is in ")[1].strip()
    assert "Traceback" in Path(log).read_text()
