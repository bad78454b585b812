"""Quality gates from ap.yaml, run on a merge candidate in a temporary worktree."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ap.config import GateConfig
from ap.events import Emit, event
from ap.git import Git
from ap.models import GateResult
from ap.run import faults

WORKTREE_PREFIX = "ap-gates-"
TAIL = 4000


def remove_stale_worktrees(git: Git) -> None:
    """Worktrees a crashed gate run left behind (git's records of them are looked at first)."""
    try:
        records = os.listdir(git.git_dir() / "worktrees")
    except OSError:
        return
    if not any(name.startswith(WORKTREE_PREFIX) for name in records):
        return
    for path, _ in git.worktrees():
        if path.name.startswith(WORKTREE_PREFIX):
            git.worktree_remove(path)
            shutil.rmtree(path.parent, ignore_errors=True)  # its temporary folder


def run_gates(
    git: Git, commit: str, gates: Sequence[GateConfig], *, wave: int, emit: Emit
) -> list[GateResult]:
    """Run every gate on ``commit`` checked out in a throwaway worktree (removed afterwards)."""
    if not gates:
        return []
    results = []
    with tempfile.TemporaryDirectory(prefix=WORKTREE_PREFIX) as tmp:
        path = Path(tmp) / f"{WORKTREE_PREFIX}candidate"
        git.worktree_add(path, commit)
        try:
            faults.checkpoint("gates.worktree_added")
            for gate in gates:
                result = _run(gate, path, wave)
                results.append(result)
                emit(event("gate_result", "merge", **result.model_dump(mode="json")))
                if not result.passed:
                    break
        finally:
            git.worktree_remove(path)
    return results


def _run(gate: GateConfig, cwd: Path, wave: int) -> GateResult:
    started = time.monotonic()
    try:
        # The owner's own command from ap.yaml (which no objective may change): a shell line.
        proc = subprocess.run(
            gate.command,
            shell=True,
            cwd=cwd,
            capture_output=True,
            timeout=gate.timeout,
            check=False,
        )
        code: int | None = proc.returncode
        output = (proc.stdout + proc.stderr).decode(errors="replace")
    except subprocess.TimeoutExpired as exc:
        code = None
        output = ((exc.stdout or b"") + (exc.stderr or b"")).decode(errors="replace")
        output += f"\n(timed out after {gate.timeout} s)"
    return GateResult(
        name=gate.name,
        command=gate.command,
        passed=code == 0,
        exit_code=code,
        duration=round(time.monotonic() - started, 3),
        output_tail=output[-TAIL:],
        wave=wave,
    )
