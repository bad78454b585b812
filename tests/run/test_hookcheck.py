"""The hook's fast path reports failures through ap's one error boundary: the same
messages, exit codes and hints as ``ap check-scope --staged`` through the full CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.run.conftest import Flow, git

# The hook's entry point with the check replaced by one that fails as told (and counts
# its calls in a file), run in its own process as git runs the hook.
FAILING_HOOK = """\
import sys
import ap.run.enforce as enforce

def failing(*args, **kwargs):
    with open(sys.argv[2], "a") as calls:
        calls.write("call\\n")
    raise {error}

enforce.check_staged = failing
from ap.run.hookcheck import main
raise SystemExit(main())
"""


def run_hook(wt: Path, tmp: Path, error: str) -> tuple[subprocess.CompletedProcess[str], int]:
    calls = tmp / "calls"
    script = tmp / "hook.py"
    script.write_text(FAILING_HOOK.format(error=error), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), "x", str(calls)],
        cwd=wt,
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp / "cache")},
        check=False,
        timeout=120,
    )
    count = len(calls.read_text().splitlines()) if calls.exists() else 0
    return proc, count


def test_an_interrupted_hook_says_so_and_exits_130(flow: Flow, tmp_path: Path) -> None:
    wt = flow.write("T1", {"src/auth/jwt.py": "mine\n"})
    git(wt, "add", "-A")
    proc, _ = run_hook(wt, tmp_path, "KeyboardInterrupt")
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "interrupted\n"


def test_an_internal_error_in_the_hook_is_logged_once_and_exits_3(
    flow: Flow, tmp_path: Path
) -> None:
    wt = flow.write("T1", {"src/auth/jwt.py": "mine\n"})
    git(wt, "add", "-A")
    proc, calls = run_hook(wt, tmp_path, "RuntimeError('boom')")
    assert proc.returncode == 3, proc.stderr
    log = tmp_path / "cache" / "ap" / "ap.log"
    assert proc.stderr == f"error: internal error: RuntimeError: boom; the traceback is in {log}\n"
    assert "RuntimeError: boom" in log.read_text()
    assert calls == 1  # not checked a second time by the full command line


def test_a_refusal_reads_the_same_from_the_hook_and_the_command(flow: Flow, tmp_path: Path) -> None:
    wt = flow.write("T1", {"src/auth/jwt.py": "mine\n"})
    git(wt, "add", "-A")
    (wt / "ap.yaml").write_text("branch_prefix: 'a b/'\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    hook = subprocess.run(
        [sys.executable, "-m", "ap", "check-scope", "--staged"],
        cwd=wt,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    full = subprocess.run(
        [sys.executable, "-m", "ap", "check-scope", "--staged", "--json"],
        cwd=wt,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert hook.returncode == full.returncode == 2
    assert hook.stderr == full.stderr
    assert "branch_prefix" in hook.stderr and "hint: " in hook.stderr
