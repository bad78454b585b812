"""Nothing a worker starts outlives its objective: daemons that leave the worker's process
group, and workers orphaned when ap is killed, never write into another objective's work."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git, planned_flow, run_ap

WORKER = r"""
cat >/dev/null
echo $$ > "$PIDDIR/$AP_TASK"
case "$AP_TASK" in T1) own=src/auth/new.py ;; T2) own=src/api/new.py ;; *) own=tests/t.py ;; esac
behaviour=$(eval echo "\${BEHAVIOUR_$AP_TASK:-ok}")
writer='echo $$ > "$PIDDIR/$NAME"; sleep 1; while :; do echo x >> leak.txt;'
writer="$writer"' echo x >> "$AP_WORKTREE/leak.txt"; sleep 0.1; done'
case "$behaviour" in
  daemon)  # leaves its process group: `setsid`, as a server started by a tool would
    NAME=daemon setsid sh -c "$writer" </dev/null >/dev/null 2>&1 &
    echo $! > "$PIDDIR/daemon" ;;  # (setsid and env exec: the same process)
  scrubbed-daemon)  # … and its environment too
    env -i PATH="$PATH" PIDDIR="$PIDDIR" NAME=daemon AP_WORKTREE="$AP_WORKTREE" \
      setsid sh -c "$writer" </dev/null >/dev/null 2>&1 &
    echo $! > "$PIDDIR/daemon" ;;
  sleep) sleep 3 ;;
  stays)  # the first time: writers that keep going, in its group and out of it; then waits
    if [ ! -e "$PIDDIR/first" ]; then
      : > "$PIDDIR/first"
      NAME=writer sh -c "$writer" </dev/null >/dev/null 2>&1 &
      NAME=escaped setsid sh -c "$writer" </dev/null >/dev/null 2>&1 &
      sleep 600
    fi ;;
esac
mkdir -p "$(dirname "$own")" && echo "# by $AP_TASK" > "$own"
"""

needs_setsid = pytest.mark.skipif(shutil.which("setsid") is None, reason="no setsid here")


def _flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys)
    command = json.dumps(["sh", "-c", WORKER])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: sh\n    command: {command}\n    max_concurrent: 4\n"
    )
    return flow


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def _pid(piddir: Path, name: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while not (piddir / name).is_file() or not (piddir / name).read_text().strip():
        assert time.monotonic() < deadline, f"{name} never started"
        time.sleep(0.05)
    return int((piddir / name).read_text())


def _stop(piddir: Path, *names: str) -> None:
    """(Cleanup whatever a failing test left running.)"""
    for name in names:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((piddir / name).read_text()), signal.SIGKILL)


def _touched(flow: Flow, task: str) -> set[str]:
    base = git(flow.root, "merge-base", flow.integration, flow.branch(task)).strip()
    out = git(flow.root, "diff", "--name-only", f"{base}^", flow.branch(task))
    return set(out.split())


@needs_setsid
@pytest.mark.parametrize("kind", ["daemon", "scrubbed-daemon"])
def test_a_daemon_never_writes_into_another_objective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """T1's worker leaves a daemon that keeps writing where T1 worked; T2 and T3 run after
    it (one at a time) and must neither fail nor carry its file."""
    if kind == "scrubbed-daemon" and not sys.platform.startswith("linux"):
        pytest.skip("only a subreaper (Linux) finds a daemon that scrubbed its environment")
    piddir = tmp_path / "pids"
    piddir.mkdir()
    flow = _flow(tmp_path, capsys)
    monkeypatch.setenv("PIDDIR", str(piddir))
    monkeypatch.setenv("BEHAVIOUR_T1", kind)
    monkeypatch.setenv("BEHAVIOUR_T2", "sleep")
    try:
        flow.ap("run", "--parallel", "1")
        statuses = flow.plan_statuses()
        assert statuses["T2"] == "merged" and statuses["T3"] == "merged", flow.ok("status")
        for task in ("T2", "T3"):
            assert "leak.txt" not in _touched(flow, task)
        assert "leak.txt" not in flow.tree(flow.integration)
        assert not _running(_pid(piddir, "daemon"))  # stopped when T1's worker ended
    finally:
        _stop(piddir, "daemon")


@needs_setsid
def test_workers_of_a_killed_run_are_stopped_by_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ap is SIGKILLed while T2's worker and what it started keep writing into T2's
    worktree; the next ``ap run`` stops them before anything else, and ends clean."""
    piddir = tmp_path / "pids"
    piddir.mkdir()
    flow = _flow(tmp_path, capsys)
    env = {**os.environ, "PIDDIR": str(piddir), "BEHAVIOUR_T2": "stays"}
    first = subprocess.Popen(
        [sys.executable, "-m", "ap", "run"], cwd=flow.root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        writer, escaped = _pid(piddir, "writer"), _pid(piddir, "escaped")
        first.kill()
        first.wait(timeout=60)
        assert _running(writer) and _running(escaped)  # orphans of a killed ap, still at work
        again = subprocess.run(
            [sys.executable, "-m", "ap", "run", "--json"],
            cwd=flow.root, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert not _running(writer) and not _running(escaped)
        assert not _running(int((piddir / "T2").read_text()))
        messages = [json.loads(line).get("message", "") for line in again.stdout.splitlines()]
        assert any("earlier run's workers" in m and "T2" in m for m in messages), messages
        assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
        assert "src/api/new.py" in flow.tree(flow.integration)
        for task in ("T1", "T2", "T3"):
            assert "leak.txt" not in _touched(flow, task)
        assert run_ap(flow.root, "status").returncode == 0
    finally:
        _stop(piddir, "writer", "escaped", "T2")
