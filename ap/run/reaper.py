"""Nothing a worker starts outlives its objective: finding and stopping what it left.

A worker runs in its own process group, but what it starts can leave the group
(``setsid``) or outlive it when ap itself is killed. Three layers catch them:

- every worker's processes carry a token in their environment (``AP_WORKER_TOKEN``,
  inherited by everything they start unless scrubbed), so they can be found by it;
- each worker is recorded in a file of the run (its pid, start time, process group
  and token), so a run resumed after ap was killed stops the stale ones first;
- on Linux ap is a child subreaper: orphans of a worker are re-parented to ap (not
  to init), and each worker gets a parent-death signal, so it dies with ap.

Elsewhere (macOS) the first two layers remain: a daemon that scrubs its environment
and leaves its group is not found there.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

TOKEN = "AP_WORKER_TOKEN"
LINUX = sys.platform.startswith("linux")
_PROC = Path("/proc")
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_ROUNDS = 20  # a killed process's own orphans come to ap in turn; enough for any real tree
_SUBREAPER: set[int] = set()  # the process id, once it is a child subreaper

# Run in front of a worker on Linux: the parent-death signal, then the worker itself.
# (Not a preexec_fn: ap forks from many threads, and a fork may only exec safely.)
_LAUNCH = """\
import ctypes, os, sys
ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)
if os.getppid() != int(sys.argv[1]):
    os._exit(137)
try:
    os.execvp(sys.argv[2], sys.argv[2:])
except OSError as exc:
    sys.stderr.write(f"ap: the worker could not start: {exc}\\n")
    os._exit(127)
"""


@dataclass(frozen=True)
class WorkerRecord:
    """What identifies a worker's processes after ap is gone."""

    task: str
    pid: int
    start: str  # the process's start time, so that a reused pid is not taken for it
    pgid: int
    token: str


def become_subreaper() -> bool:
    """Make orphaned descendants ap's children (Linux); whether it is in effect."""
    if not LINUX:
        return False
    try:
        import ctypes

        if int(ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0:
            _SUBREAPER.add(os.getpid())
    except (OSError, AttributeError):
        pass
    return subreaping()


def subreaping() -> bool:
    """Whether every orphaned descendant of a worker comes to this process."""
    return os.getpid() in _SUBREAPER  # (a forked child is not one)


def launched(argv: list[str]) -> list[str]:
    """``argv`` behind a parent-death launcher on Linux (util-linux's ``setpriv``, a few
    milliseconds, or a Python one); as is elsewhere. (Should ap die before the signal is
    set, its record names the worker's token: the next run finds it by that.)"""
    if not LINUX:
        return argv
    setpriv = _setpriv()
    if setpriv is not None:
        return [setpriv, "--pdeathsig", "KILL", "--", *argv]
    return [sys.executable, "-I", "-S", "-c", _LAUNCH, str(os.getpid()), *argv]


@functools.cache
def _setpriv() -> str | None:
    found = shutil.which("setpriv")
    if found is None:
        return None
    try:
        usage = subprocess.run([found, "--help"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return found if "--pdeathsig" in usage.stdout else None


def start_time(pid: int) -> str | None:
    """When ``pid`` started (an opaque text to compare), or None when it is not running."""
    if _PROC.is_dir():
        stat = _stat(pid)
        return None if stat is None else stat[4]
    try:
        out = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return None
    return out or None


# -- the records of a run ---------------------------------------------------


def record(folder: Path, entry: WorkerRecord) -> None:
    """Write the worker's record (replacing one of the same objective)."""
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".{entry.task}.tmp"
    scratch.write_text(json.dumps(asdict(entry)), encoding="utf-8")
    scratch.replace(folder / f"{entry.task}.json")


def forget(folder: Path, task: str) -> None:
    (folder / f"{task}.json").unlink(missing_ok=True)


def stop_stale(folder: Path) -> list[WorkerRecord]:
    """Stop every worker recorded in ``folder`` (a killed run's) and all it started;
    the records found. Their pids are checked against their start times first."""
    found: list[WorkerRecord] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        # (one that cannot be read was half-written by a killed run: no worker yet)
        with contextlib.suppress(OSError, ValueError, TypeError):
            found.append(WorkerRecord(**json.loads(path.read_text(encoding="utf-8"))))
    for entry in found:
        if entry.pid > 1 and start_time(entry.pid) == entry.start:
            _signal_group(entry.pgid)
            _signal(entry.pid)
    kill_marked({e.token for e in found})
    for path in folder.glob("*.json") if folder.is_dir() else []:
        path.unlink(missing_ok=True)
    return found


# -- finding processes --------------------------------------------------------


def kill_marked(tokens: set[str]) -> int:
    """Kill every process that carries one of ``tokens`` (and its group); how many."""
    if not tokens or not _PROC.is_dir():
        return 0
    killed = 0
    own = os.getpgid(0)
    for _ in range(_ROUNDS):
        marked = [pid for pid in _pids() if _token(pid) in tokens]
        if not marked:
            break
        for pid in marked:
            stat = _stat(pid)
            if stat is not None and stat[2] != own:
                _signal_group(stat[2])
            _signal(pid)
            _reap(pid)
        killed += len(marked)
    return killed


def sweep_orphans(live: set[str], workers: set[int], worktrees: Path) -> None:
    """Stop the orphans a subreaper ap was given: its children outside its own session
    (a worker's descendants that left the worker's group) whose worker has ended (their
    token is not one of ``live``), or that carry no token but work in ``worktrees``;
    reap the ones that ended by themselves. ``workers``: the running workers' pids (never
    reaped here: their own thread waits for them)."""
    if not _PROC.is_dir():
        return
    me, session = os.getpid(), os.getsid(0)
    for _ in range(_ROUNDS):
        acted = False
        for pid in _children(me):
            stat = _stat(pid)
            if stat is None or stat[0] != me or stat[3] == session or pid in workers:
                continue  # not an orphan given to ap (its own git and gates are in its session)
            token = _token(pid)
            if stat[1] == "Z":
                if token is None or token not in live:
                    _reap(pid)
                continue
            if token in live or (token is None and not _inside(pid, worktrees)):
                continue
            _signal_group(stat[2])
            _signal(pid)
            _reap(pid)
            acted = True
        if not acted:
            break


def _children(pid: int) -> list[int]:
    """The children of ``pid`` (from each of its threads' lists; all processes when the
    system keeps no such lists)."""
    found: list[int] = []
    try:
        threads = os.listdir(_PROC / str(pid) / "task")
    except OSError:
        return []
    for thread in threads:
        try:
            found += map(int, (_PROC / str(pid) / "task" / thread / "children").read_text().split())
        except FileNotFoundError:
            if not (_PROC / str(pid) / "task" / thread).is_dir():
                continue  # (the thread ended meanwhile)
            return _pids()  # no children lists here: every process (filtered by the caller)
        except OSError:
            continue
    return found


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir(_PROC) if name.isdigit()]
    except OSError:
        return []


def _stat(pid: int) -> tuple[int, str, int, int, str] | None:
    """(parent pid, state, process group, session, start time) from /proc, or None."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    if len(fields) < 20:
        return None
    return int(fields[1]), fields[0], int(fields[2]), int(fields[3]), fields[19]


def _token(pid: int) -> str | None:
    try:
        data = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    prefix = f"{TOKEN}=".encode()
    for item in data.split(b"\0"):
        if item.startswith(prefix):
            return item[len(prefix) :].decode(errors="replace")
    return None


def _inside(pid: int, folder: Path) -> bool:
    try:
        cwd = os.readlink(_PROC / str(pid) / "cwd")
    except OSError:
        return False
    return cwd.startswith(str(folder) + os.sep)


def _signal(pid: int) -> None:
    if pid <= 1 or pid == os.getpid():
        return  # (0 and -1 would mean a whole group, or every process)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def _signal_group(pgid: int) -> None:
    if pgid <= 1 or pgid == os.getpgid(0):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _reap(pid: int) -> None:
    """Collect a killed child of ap's (a subreaper's orphan); nothing for anyone else's."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)
