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
