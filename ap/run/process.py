"""Worker processes: each in its own process group, fed the prompt on stdin, its output
logged to a file, killed with its whole group on a timeout or when the run stops;
what it leaves running in its group when it exits is stopped too."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path


class Processes:
    """The worker processes of one run, so that stopping the run can kill them all."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        self._lock = threading.Lock()
        self._live: dict[str, subprocess.Popen[bytes]] = {}

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
        # Emptied, then written in append mode: the progress lines `ap mcp` appends to
        # the log are not overwritten by the worker's own output.
        log.write_bytes(b"")
        with log.open("ab") as out:
            try:
                proc = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: a timeout kills it all
                )
            except OSError as exc:
                return f"the worker could not start: {exc}"
            with self._lock:
                self._live[task] = proc
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
                with self._lock:
                    self._live.pop(task, None)
                # whatever it left running would go on editing a worktree ap reuses
                _kill_group(proc.pid)
        if timed_out.is_set():
            return f"timed out after {timeout:g} s"
        if self._stop.is_set():
            return "interrupted"
        if proc.returncode != 0:
            return f"the worker exited with {proc.returncode} (log: {log})"
        return None

    def kill_all(self) -> None:
        with self._lock:
            live = list(self._live.values())
        for proc in live:
            kill(proc)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a worker and everything it started (its process group)."""
    _kill_group(proc.pid)
    proc.wait()


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
