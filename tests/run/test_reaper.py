"""The records of a run's workers: a killed run's are stopped, and nothing else is."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ap.run import reaper

linux = pytest.mark.skipif(not reaper.LINUX, reason="reads /proc")


def _sleeper(env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["sleep", "600"], env={**os.environ, **(env or {})}, start_new_session=True
    )


def test_a_recorded_worker_is_stopped_and_a_reused_pid_is_not(tmp_path: Path) -> None:
    worker, stranger = _sleeper(), _sleeper()
    try:
        started = reaper.start_time(worker.pid)
        assert started is not None
        reaper.record(tmp_path, reaper.WorkerRecord("T1", worker.pid, started, worker.pid, "t1"))
        # the stranger holds a pid a record names, but it started at another time
        reaper.record(tmp_path, reaper.WorkerRecord("T2", stranger.pid, "0", stranger.pid, "t2"))
        stopped = reaper.stop_stale(tmp_path)
        assert sorted(e.task for e in stopped) == ["T1", "T2"]
        assert worker.wait(timeout=30) != 0  # killed
        assert stranger.poll() is None  # untouched
        assert not list(tmp_path.glob("*.json"))  # the records are gone
    finally:
        for proc in (worker, stranger):
            proc.kill()
            proc.wait()


@linux
def test_what_carries_a_stale_token_is_stopped_wherever_it_is(tmp_path: Path) -> None:
    """A daemon that left the worker's group (and whose worker is gone) carries its token;
    a record made before the worker's pid was known names only the token."""
    daemon = _sleeper({reaper.TOKEN: "tok-1"})
    other = _sleeper({reaper.TOKEN: "tok-2"})
    try:
        reaper.record(tmp_path, reaper.WorkerRecord("T1", 0, "", 0, "tok-1"))
        reaper.stop_stale(tmp_path)
        assert not Path(f"/proc/{daemon.pid}").exists()  # killed (and reaped: a child here)
        assert other.poll() is None
    finally:
        for proc in (daemon, other):
            proc.kill()
            proc.wait()


def test_a_half_written_record_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "T1.json").write_text('{"task": "T1", "pid"')
    assert reaper.stop_stale(tmp_path) == []
    assert not (tmp_path / "T1.json").exists()


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


PARENT = """\
import subprocess, sys, time
from ap.run import reaper
if sys.argv[1] == "python":
    reaper._setpriv = lambda: None
child = subprocess.Popen(reaper.launched(["sleep", "600"]))
print(child.pid, flush=True)
time.sleep(600)
"""


@linux
@pytest.mark.parametrize("launcher", ["setpriv", "python"])
def test_a_launched_worker_dies_with_ap_and_keeps_its_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launcher: str
) -> None:
    if launcher == "setpriv" and reaper._setpriv() is None:
        pytest.skip("no setpriv with --pdeathsig here")
    if launcher == "python":
        monkeypatch.setattr(reaper, "_setpriv", lambda: None)
    out = tmp_path / "pid"
    code = f"import os; open({str(out)!r}, 'w').write(str(os.getpid()))"
    proc = subprocess.Popen(reaper.launched([sys.executable, "-c", code]))
    assert proc.wait(timeout=60) == 0
    assert int(out.read_text()) == proc.pid  # (exec: the record's pid is the worker's)
    # ap killed: the worker gets the parent-death signal
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, launcher], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    try:
        # the launcher sets the signal, then becomes the worker: killing ap before that
        # (a few milliseconds) is the window the worker's token covers (see reaper.launched)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{worker}/comm").read_text().strip() != "sleep":
            assert time.monotonic() < deadline, "the launcher never started the worker"
            time.sleep(0.01)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 30
        while _running(worker):
            assert time.monotonic() < deadline, "the worker outlived ap"
            time.sleep(0.05)
    finally:
        with contextlib.suppress(OSError):
            os.kill(worker, signal.SIGKILL)
