"""Bad input is a user mistake (exit 2, a message, a `hint:` line), never a crash,
and it is refused before anything is written: no branch, no commit, no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ap.cli import main
from tests.helpers import Repo, make_repo

OBJECTIVES = """\
objectives:
  - {id: T1, title: One, scope_touch: [src/a/]}
  - {id: T2, title: Two, scope_touch: [src/b/]}
"""


def ap(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def state(repo: Repo) -> tuple[str, str, dict[str, bytes]]:
    """Every ref, the status and every file: what "nothing was written" compares."""
    return repo.git("for-each-ref"), repo.status(), repo.snapshot()


@pytest.fixture
def planned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Repo:
    """A repository with a committed plan of two objectives, not started."""
    repo = make_repo(tmp_path / "repo", {"src/a/x.py": "x\n", "src/b/y.py": "y\n"})
    assert ap(capsys, repo, "init")[0] == 0
    repo.commit("chore: ap init")
    (tmp_path / "objectives.yaml").write_text(OBJECTIVES, encoding="utf-8")
    assert ap(capsys, repo, "plan", "--from", str(tmp_path / "objectives.yaml"))[0] == 0
    repo.commit("plan")
    return repo


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("command: ''", "ap.yaml:3: team.0.command: worker 'w': `command` is empty"),
        ("command: []", "ap.yaml:3: team.0.command: worker 'w': `command` is empty"),
        (
            "command: 'agent \"unbalanced'",
            "ap.yaml:3: team.0.command: worker 'w': `command` cannot be split into words",
        ),
    ],
)
def test_run_with_a_worker_that_cannot_run_writes_nothing(
    planned: Repo, capsys: pytest.CaptureFixture[str], member: str, expected: str
) -> None:
    planned.write("ap.yaml", f"team:\n  - name: w\n    {member}\n")
    planned.commit("a broken team")
    before = state(planned)
    code, out, err = ap(capsys, planned, "run")
    assert code == 2, err
    assert f"error: {expected}" in err
    assert "\nhint: fix ap.yaml: a worker is `{name: NAME, command: [" in err
    assert "Traceback" not in out + err and "internal error" not in err
    assert state(planned) == before  # no branch, no commit, no file


def test_run_with_two_workers_of_one_name_writes_nothing(
    planned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    planned.write(
        "ap.yaml", "team:\n  - {name: w, command: 'false'}\n  - {name: w, command: 'false'}\n"
    )
    before = state(planned)
    code, _, err = ap(capsys, planned, "run")
    assert code == 2
    assert "error: ap.yaml:3: team.1.name: two workers are named 'w'" in err
    assert "hint: fix ap.yaml: a worker is" in err
    assert state(planned) == before


@pytest.fixture
def started(planned: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[Repo, str]:
    """The planned repository with wave 1 started; and the plan id."""
    assert ap(capsys, planned, "start")[0] == 0
    plan_id = next(planned.root.glob("docs/plans/PLAN_*.md")).stem[len("PLAN_") :]
    return planned, plan_id


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["--branch", "nope"],
            "error: --branch 'nope': there is no such branch here",
            "hint: `git branch --list 'ap/*'` lists the objective branches",
        ),
        (
            ["--branch", "ap/20990101-none/T1"],
            "error: --branch 'ap/20990101-none/T1': there is no such branch here",
            "hint: `git branch --list 'ap/*'`",
        ),
        (
            ["--branch", "main"],
            "error: --branch 'main' is not an objective branch of a plan: they are named "
            "ap/<plan-id>/<task-id>",
            "hint: ap check-scope --branch ap/<plan-id>/<task-id>; `git branch --list 'ap/*'`",
        ),
        (
            ["--range", "nope..main"],
            "error: --range 'nope..main': 'nope' names no commit here",
            "hint: give two commits, branches or tags, e.g. ap check-scope --range main..HEAD",
        ),
        (
            ["--range", "main..nope"],
            "error: --range 'main..nope': 'nope' names no commit here",
            "hint: give two commits",
        ),
        (
            ["--range", "--all..main"],
            "error: --range '--all..main': '--all' names no commit here",
            "hint: give two commits",
        ),
        (
            ["--range", "main"],
            "error: --range 'main' is not of the form A..B",
            "hint: e.g. ap check-scope --range main..HEAD",
        ),
        (
            ["--range", "main..main"],
            "error: --range checks a change against the scope of the objective checked out, "
            "but main is not an objective branch (ap/<plan-id>/<task-id>)",
            "hint: switch to the objective's branch first, or check a branch's whole change "
            "with ap check-scope --branch NAME",
        ),
    ],
)
def test_check_scope_refuses_what_it_cannot_check(
    started: tuple[Repo, str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
    hint: str,
) -> None:
    repo, _ = started
    before = state(repo)
    code, _, err = ap(capsys, repo, "check-scope", *args)
    assert code == 2, err
    assert message in err and hint in err
    assert state(repo) == before


def test_check_scope_names_the_integration_branch_as_no_objective(
    started: tuple[Repo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, plan_id = started
    code, _, err = ap(capsys, repo, "check-scope", "--branch", f"ap/{plan_id}/integration")
    assert code == 2 and "is not an objective branch of a plan" in err and "hint: " in err


def test_check_scope_still_checks_objective_branches_and_the_hook_stays_silent(
    started: tuple[Repo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, plan_id = started
    assert ap(capsys, repo, "check-scope", "--branch", f"ap/{plan_id}/T1")[0] == 0
    code, out, err = ap(capsys, repo, "check-scope", "--staged")  # on main: not ours to check
    assert (code, out, err) == (0, "", "")
    repo.git("switch", "-q", f"ap/{plan_id}/T1")
    repo.write("src/b/y.py", "T2's file\n")
    repo.commit("out of scope")
    code, _, err = ap(capsys, repo, "check-scope", "--range", "HEAD~1..HEAD")
    assert code == 1 and "src/b/y.py" in err


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "Add a feature"],
        ["plan", "--dry-run", "Add a feature"],
        ["analyze", "Add a feature"],
        ["plan", "--from", "{objectives}"],
        ["plan", "--json", "--from", "{objectives}"],
    ],
)
def test_an_empty_repository_is_refused_before_planning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    repo = Repo(tmp_path / "empty")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write("src/a/x.py", "x\n")  # work not committed yet
    objectives = tmp_path / "objectives.yaml"
    objectives.write_text(OBJECTIVES, encoding="utf-8")
    before = state(repo)
    code, _, err = ap(capsys, repo, *(a.format(objectives=objectives) for a in args))
    assert code == 2, err
    assert "error: this repository has no commit yet (HEAD is unborn)" in err
    assert 'hint: make a first commit, e.g. git add -A && git commit -m "initial commit"' in err
    assert state(repo) == before
    assert not (repo.root / "docs").exists()


def test_an_unborn_branch_is_refused_too(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.git("switch", "-q", "--orphan", "fresh")
    before = state(repo)
    code, _, err = ap(capsys, repo, "plan", "Add a feature")
    assert code == 2 and "no commit yet" in err and "hint: make a first commit" in err
    assert state(repo) == before


def test_a_missing_git_identity_is_a_clear_usage_error(
    planned: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "empty.gitconfig").write_text("", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "empty.gitconfig"))
    for who in ("AUTHOR", "COMMITTER"):
        for what in ("NAME", "EMAIL", "DATE"):
            monkeypatch.delenv(f"GIT_{who}_{what}", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    if planned.git("var", "GIT_COMMITTER_IDENT", check=False):
        # This machine has a name and a domain git can guess an identity from: make git
        # refuse to guess, as it does on most machines.
        planned.git("config", "user.useConfigOnly", "true")
    before = state(planned)
    code, _, err = ap(capsys, planned, "start")
    assert code == 2, err
    assert "error: git needs your name and email to make commits, and none is configured" in err
    assert (
        'hint: git config --global user.name "Your Name" && '
        'git config --global user.email "you@example.com"'
    ) in err
    assert "Please tell me who you are" not in err and "fatal:" not in err
    assert state(planned) == before  # no branch, no commit


def test_hints_reach_the_user(
    started: tuple[Repo, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, plan_id = started
    code = main(["-C", str(tmp_path / "nowhere"), "list"])
    err = capsys.readouterr().err
    assert code == 2 and "no such directory" in err and "\nhint: ap -C PATH COMMAND" in err
    code, _, err = ap(capsys, repo, "start", "--wave", "9")
    assert code == 2 and f"plan {plan_id} has waves 1 to 1, not 9" in err
    assert f"hint: ap start {plan_id} (the next wave), or --wave N with N from 1 to 1" in err
    code, _, err = ap(
        capsys, repo, "scope", "request", "T9", "src/c/", "--why", "x", "--plan", plan_id
    )
    assert code == 2 and f"hint: `ap show {plan_id}` lists its objectives" in err


def test_a_file_where_ap_needs_a_folder_is_a_usage_error(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("docs", "a file, not the state folder\n")
    objectives = tmp_path / "objectives.yaml"
    objectives.write_text(OBJECTIVES, encoding="utf-8")
    code, _, err = ap(capsys, repo, "plan", "--from", str(objectives))
    assert code == 2, err
    where = repo.root / "docs"
    assert f"error: cannot use {where}/analyses: a file stands where ap needs a folder" in err
    assert f"hint: move, remove or fix the permissions of {where}/analyses, then run" in err
    assert "internal error" not in err and repo.snapshot()["docs"]


def test_a_folder_where_ap_needs_a_file_is_a_usage_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.root / "AGENTS.md").mkdir()
    code, _, err = ap(capsys, repo, "init")
    assert code == 2, err
    assert (
        f"error: cannot use {repo.root / 'AGENTS.md'}: a folder stands where ap needs a file" in err
    )
    assert "hint: move, remove or fix the permissions of" in err


def test_other_errors_are_still_internal(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", "/nowhere/ap-internal")

    monkeypatch.setattr("ap.console.views.listing", broken)
    code, _, err = ap(capsys, repo, "list")
    assert code == 3 and "internal error: FileNotFoundError" in err


def test_the_console_script_refuses_a_bad_team_before_any_branch(planned: Repo) -> None:
    import subprocess
    import sys

    planned.write("ap.yaml", "team:\n  - name: w\n    command: ''\n")
    before = state(planned)
    script = Path(sys.executable).parent / "ap"
    proc = subprocess.run(
        [str(script), "run"], cwd=planned.root, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "error: ap.yaml:3: team.0.command: worker 'w': `command` is empty",
        "hint: fix ap.yaml: a worker is `{name: NAME, command: [program, arg, ...]}` or "
        "`{name: NAME, preset: P}` (P one of claude-code, codex, aider, gemini, manual, script)",
    ]
    assert state(planned) == before


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--timeout", "inf"],
        ["run", "--timeout", "nan"],
        ["run", "--timeout", "1e308"],
        ["retry", "T1", "--timeout", "inf"],
        ["status", "--watch", "--interval", "inf"],
        ["status", "--watch", "--interval", "nan"],
    ],
)
def test_seconds_a_timer_cannot_wait_are_refused(
    planned: Repo, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    planned.write("ap.yaml", "team:\n  - {name: w, command: 'true'}\n")
    planned.commit("team")
    before = state(planned)
    code, _, err = ap(capsys, planned, *args)
    assert code == 2, err
    assert "is not a number of seconds up to" in err and "Try 'ap " in err
    assert state(planned) == before
