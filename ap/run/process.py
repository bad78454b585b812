"""Worker processes: each in its own process group, fed the prompt on stdin, its output
logged to a file, killed with its whole group on a timeout or when the run stops;
what it leaves running when it exits is stopped too (in its group, or anywhere, by the
token its processes carry: see :mod:`ap.run.reaper`), and each is recorded in the run's
folder while it runs, so a run resumed after ap was killed stops it."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from ap.run import reaper

GROUP_ROUNDS = 50  # waits of 10 ms for a killed worker's group to be gone


class Processes:
    """The worker processes of one run, so that stopping the run can kill them all."""

    def __init__(
        self, stop: threading.Event, records: Path | None = None, worktrees: Path | None = None
    ) -> None:
        """``records``: the folder the running workers are recorded in; ``worktrees``: where
        they work (an orphan with no token working there is one of theirs)."""
        self._stop = stop
        self._records = records
        self._worktrees = worktrees
        self._lock = threading.Lock()  # also: no orphan sweep while a worker is being started
        self._live: dict[str, tuple[subprocess.Popen[bytes], str]] = {}

    def run(
        self,
        task: str,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        prompt: str,
        timeout: float | None,
        log: Path,
    ) -> str | None:
        """Run a worker to its end; None when it exited 0, else why it failed."""
        token = secrets.token_hex(12)
        # Emptied, then written in append mode: the progress lines `ap mcp` appends to
        # the log are not overwritten by the worker's own output.
        log.write_bytes(b"")
        with log.open("ab") as out:
            try:
                proc = self._start(task, argv, cwd, {**env, reaper.TOKEN: token}, out, token)
            except OSError as exc:
                return f"the worker could not start: {exc}"
            # The thread blocks in waitpid, so an exit is seen at once; a timeout or
            # a stop kills the process group, which ends the wait.
            timed_out = threading.Event()

            def expire() -> None:
                timed_out.set()
                kill(proc)

            timer = threading.Timer(timeout, expire) if timeout is not None else None
            try:
                threading.Thread(target=_feed, args=(proc, prompt), daemon=True).start()
                if timer is not None:
                    timer.daemon = True
                    timer.start()
                if self._stop.is_set():
                    kill(proc)
                proc.wait()
            finally:
                if timer is not None:
                    timer.cancel()
                self._end(task, proc.pid, token)
        if timed_out.is_set():
            return f"timed out after {timeout:g} s"
        if self._stop.is_set():
            return "interrupted"
        if proc.returncode != 0:
            return f"the worker exited with {proc.returncode} (log: {log})"
        return None

    def _start(
        self, task: str, argv: list[str], cwd: Path, env: dict[str, str], out: IO[bytes], token: str
    ) -> subprocess.Popen[bytes]:
        if self._records is not None:  # (its token first: ap may die before the pid is known)
            reaper.record(self._records, reaper.WorkerRecord(task, 0, "", 0, token))
        with self._lock:
            proc = subprocess.Popen(
                reaper.launched(argv),
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a timeout kills it all
            )
            self._live[task] = (proc, token)
        if self._records is not None:
            started = reaper.start_time(proc.pid) or ""
            entry = reaper.WorkerRecord(task, proc.pid, started, proc.pid, token)
            reaper.record(self._records, entry)
        return proc

    def _end(self, task: str, pid: int, token: str) -> None:
        """Stop whatever the worker left running (it would go on editing a worktree, or
        write into another objective's), then forget its record."""
        with self._lock:
            self._live.pop(task, None)
            _kill_group(pid)
            if not reaper.subreaping():  # (a subreaper finds them all among its children)
                reaper.kill_marked({token})
            for _ in range(GROUP_ROUNDS):  # until its group is gone: its members' orphans
                self._sweep()  # come to ap as they die
                if not _group_exists(pid):
                    break
                time.sleep(0.01)
        if self._records is not None:
            reaper.forget(self._records, task)

    def _sweep(self) -> None:
        """Stop the orphans of workers that ended (the caller holds the lock)."""
        if reaper.subreaping() and self._worktrees is not None:
            live = {t for _, t in self._live.values()}
            reaper.sweep_orphans(live, {p.pid for p, _ in self._live.values()}, self._worktrees)

    def kill_all(self) -> None:
        """Kill every running worker and what it started, and what ended ones left."""
        with self._lock:
            live = [proc for proc, _ in self._live.values()]
        for proc in live:
            kill(proc)
        with self._lock:
            self._sweep()


def kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a worker and everything it started (its process group)."""
    _kill_group(proc.pid)
    proc.wait()


def _group_exists(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def last_line(log: Path, limit: int = 120) -> str:
    """The last non-blank line a worker wrote (its latest activity), cut to ``limit``."""
    try:
        with log.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            lines = [x for x in handle.read().decode(errors="replace").splitlines() if x.strip()]
    except OSError:
        return ""
    return lines[-1].strip()[:limit] if lines else ""


def _feed(proc: subprocess.Popen[bytes], prompt: str) -> None:
    stdin = proc.stdin
    if stdin is None:
        return
    try:
        stdin.write(prompt.encode())
        stdin.close()
    except (BrokenPipeError, OSError):
        pass
