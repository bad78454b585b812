"""`ap plan --from`, `ap validate`, `ap show PLAN`, `ap prompt` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ap.cli import main
from ap.state.store import Store
from tests.helpers import Repo

OBJECTIVES = """\
request: Add JWT authentication
objectives:
  - id: T1
    title: Token issuing and checking
    scope_touch: [src/auth/]
  - id: T2
    title: Login endpoint
    scope_touch: [src/api/login.py, tests/test_login.py]
    depends_on: [T1]
    integration_points: ["calls auth.issue_token(user)"]
  - id: T3
    title: Docs
    scope_touch: [docs/guide/]
  - id: T4
    title: Auth package exports
    scope_touch: [src/auth/__init__.py]
"""


def run(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def last_plan(out: str) -> dict[str, object]:
    events = [json.loads(line) for line in out.splitlines()]
    assert all({"type", "phase", "ts"} <= e.keys() for e in events)
    plans = [e["plan"] for e in events if "plan" in e]
    assert plans, events
    plan = plans[-1]
    assert isinstance(plan, dict)
    return plan


def test_plan_from_file_writes_plan_and_analysis(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.write("objectives.yaml", OBJECTIVES)
    code, out, err = run(capsys, repo, "plan", "--from", str(path), "--json")
    assert code == 0, err
    plan = last_plan(out)
    waves = plan["waves"]
    assert isinstance(waves, list)
    wave_of = {tid: i for i, wave in enumerate(waves, 1) for tid in wave}
    assert wave_of["T2"] > wave_of["T1"]
    assert wave_of["T4"] != wave_of["T1"]  # src/auth/ covers src/auth/__init__.py
    validation = plan["scope_validation"]
    assert isinstance(validation, dict)
    assert validation["valid"] is True
    assert {"a": "T1", "b": "T4", "witness": "src/auth/__init__.py"} in validation["conflicts"]
    for key in ("lower_bound", "optimal", "violations"):
        assert key in validation
    for objective in plan["objectives"]:  # type: ignore[attr-defined]
        for key in (
            "id",
            "title",
            "wave",
            "depends_on",
            "scope_touch",
            "scope_read",
            "scope_forbid",
            "status",
        ):
            assert key in objective
        assert ".github/workflows/" in objective["scope_forbid"]
    store = Store(repo.root)
    assert store.ids("plan") == [plan["id"]]
    assert store.ids("analysis") == [plan["id"]]
    assert store.load_analysis().analyst == "given"


def test_dry_run_writes_nothing(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo.write("objectives.yaml", OBJECTIVES)
    repo.commit("objectives")
    before = repo.snapshot()
    code, out, _ = run(capsys, repo, "plan", "--from", str(path), "--dry-run", "--json")
    assert code == 0
    assert last_plan(out)["objectives"]
    assert repo.snapshot() == before and repo.status() == ""


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda o: o[1].update(depends_on=["T9"]), "T9"),
        (lambda o: o[0].update(depends_on=["T2"]), "T1"),  # cycle T1 -> T2 -> T1
        (lambda o: o[1].update(id="T1"), "T1"),
        (lambda o: o[0].update(scope_touch=["src/../etc"]), "src/../etc"),
        (lambda o: o[0].update(scope_touch=["!src/"]), "!src/"),
    ],
    ids=["unknown-dependency", "cycle", "duplicate-id", "dot-dot", "negation"],
)
def test_bad_objectives_exit_2_and_write_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str], mutate: object, expected: str
) -> None:
    data = yaml.safe_load(OBJECTIVES)
    mutate(data["objectives"])  # type: ignore[operator]
    path = repo.write("objectives.yaml", yaml.safe_dump(data))
    repo.commit("objectives")
    before = repo.snapshot()
    code, _, err = run(capsys, repo, "plan", "--from", str(path))
    assert code == 2, err
    assert expected in err and "Traceback" not in err
    assert repo.snapshot() == before


def test_yaml_error_names_line(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo.write("objectives.yaml", "objectives:\n  - id: T1\n    title: [oops\n")
    code, _, err = run(capsys, repo, "plan", "--from", str(path))
    assert code == 2 and "objectives.yaml:" in err and "invalid YAML" in err


def test_forbidden_path_needs_allow(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo.write(
        "objectives.yaml",
        "objectives:\n  - id: T1\n    title: CI\n    scope_touch: [.github/workflows/ci.yml]\n",
    )
    code, _, err = run(capsys, repo, "plan", "--from", str(path))
    assert code == 1 and ".github/workflows/ci.yml" in err
    assert Store(repo.root).ids("plan") == []
    code, out, err = run(
        capsys, repo, "plan", "--from", str(path), "--allow", ".github/workflows/ci.yml", "--json"
    )
    assert code == 0, err
    assert last_plan(out)["allowed"] == [".github/workflows/ci.yml"]


def test_validate_show_and_prompt(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo.write("objectives.yaml", OBJECTIVES)
    assert run(capsys, repo, "plan", "--from", str(path))[0] == 0
    code, _, err = run(capsys, repo, "validate")
    assert code == 0, err
    code, out, _ = run(capsys, repo, "show")
    assert code == 0 and "```mermaid" in out and "| Wave |" in out
    code, out, _ = run(capsys, repo, "prompt", "2026", "T2")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "#! Codex agent prompt"
    assert "TASK_ID=T2" in lines and any(line.startswith("SCOPE_FORBID=") for line in lines)
    code, _, err = run(capsys, repo, "prompt", "2026", "T99")
    assert code == 2 and "T99" in err

    # a hand edit that puts two overlapping objectives in one wave is caught
    plan_path = next(Path(repo.root, "docs/plans").glob("PLAN_*.md"))
    text = plan_path.read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    t4 = next(o for o in front["objectives"] if o["id"] == "T4")
    t1_wave = next(o["wave"] for o in front["objectives"] if o["id"] == "T1")
    front["waves"] = [[t for t in w if t != "T4"] for w in front["waves"]]
    front["waves"] = [w for w in front["waves"] if w]
    front["waves"][t1_wave - 1].append("T4")
    t4["wave"] = t1_wave
    plan_path.write_text("---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n")
    code, out, err = run(capsys, repo, "validate")
    assert code == 1
    assert "T1" in err + out and "T4" in err + out and "src/auth/__init__.py" in err + out


def test_the_plan_as_json_carries_each_objectives_effective_forbid(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file stores the global forbid once; `--json` (plan and show) derives the rest."""
    path = repo.write("objectives.yaml", OBJECTIVES)
    code, out, err = run(capsys, repo, "plan", "--from", str(path), "--json")
    assert code == 0, err
    planned = last_plan(out)
    code, out, err = run(capsys, repo, "show", "--json")
    assert code == 0, err
    shown = last_plan(out)
    stored = Store(repo.root).load_plan()
    for plan in (planned, shown):
        objectives = {o["id"]: o for o in plan["objectives"]}  # type: ignore[attr-defined]
        t1, t3 = objectives["T1"], objectives["T3"]
        assert t1["wave"] == t3["wave"]
        assert t1["scope_forbid"] == [*stored.global_forbid, "docs/guide/"]
        assert t3["scope_forbid"] == [*stored.global_forbid, "src/auth/"]
    assert all(o.scope_forbid == [] for o in stored.objectives)


def test_a_plan_written_with_whole_forbid_lists_still_validates_and_scopes_the_same(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plans of earlier versions stored global forbid + same-wave touches per objective."""
    from ap.core.frontmatter import split_front_matter
    from ap.run.enforce import ObjectiveScope, Settings

    path = repo.write("objectives.yaml", OBJECTIVES)
    assert run(capsys, repo, "plan", "--from", str(path))[0] == 0
    plan = Store(repo.root).load_plan()
    file = Store(repo.root).path_for("plan", plan.id)
    front, _ = split_front_matter(file.read_text(), where="")
    new = yaml.safe_load(front)
    old = yaml.safe_load(front)
    forbids = plan.forbids()
    for o in old["objectives"]:
        o["scope_forbid"] = forbids[o["id"]]
    file.write_text("---\n" + yaml.safe_dump(old, sort_keys=False) + "---\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 0, err
    assert Store(repo.root).load_plan().forbids() == forbids
    for task in ("T1", "T2", "T3", "T4"):
        assert ObjectiveScope.from_plan(old, task, Settings()) == ObjectiveScope.from_plan(
            new, task, Settings()
        )
