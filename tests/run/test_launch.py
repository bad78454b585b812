"""`ap check-scope --staged` (what hooks run) takes the hook's own path: same output and
exit code as the full command line, without loading click or pydantic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ap.cli import main as cli_main
from tests.run.conftest import Flow, git


def _launch(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ap check-scope --staged` as the console script runs it, reporting what it loaded."""
    code = (
        "import sys; del sys.path[0]; from ap.launch import main; "
        "sys.argv = ['ap', 'check-scope', '--staged']; rc = main(); "
        "print('loaded:', ' '.join(m for m in ('click', 'pydantic') if m in sys.modules)); "
        "sys.exit(rc)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )


def _full(flow: Flow, cwd: Path) -> tuple[int, str]:
    """The same check through the click command line, in this process."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = cli_main(["check-scope", "--staged"])
    finally:
        os.chdir(old)
    return code, flow.capsys.readouterr().err


@pytest.mark.parametrize(
    ("files", "expected"),
    [({"src/api/routes.py": "mine\n"}, 0), ({"src/auth/jwt.py": "stolen\n"}, 1)],
)
def test_fast_path_answers_as_the_command_line(
    flow: Flow, files: dict[str, str], expected: int
) -> None:
    wt = flow.write("T2", files)
    git(wt, "add", "-A")
    # The first run validates this ap.yaml by the one schema (ApConfig, with pydantic)
    # and keeps the settings under its hash; every later run reads them back.
    first = _launch(wt)
    fast = _launch(wt)
    code, err = _full(flow, wt)
    assert first.returncode == fast.returncode == code == expected
    assert first.stderr == fast.stderr == err
    assert fast.stdout.strip() == "loaded:"  # neither click nor pydantic
    if expected:
        assert "forbidden by 'src/auth/'" in err and "hint:" in err


def test_fast_path_is_silent_off_objective_branches(flow: Flow) -> None:
    (flow.root / "notes.txt").write_text("x\n")
    git(flow.root, "add", "notes.txt")
    fast = _launch(flow.root)
    assert (fast.returncode, fast.stderr) == (0, "")


def test_other_command_lines_take_the_full_cli(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ap", "check-scope", "--staged", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert '"type": "error"' in proc.stdout  # JSON Lines: only the click command line does that
