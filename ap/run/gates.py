"""Quality gates from ap.yaml, run on a merge candidate in a temporary worktree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from ap.core.config import GateConfig
from ap.core.events import Emit, event
from ap.core.fsutil import atomic_write
from ap.core.models import GateResult
from ap.git import Git
from ap.run import faults

WORKTREE_PREFIX = "ap-gates-"
LOCK_REASON = "ap gates, process"
TAIL = 4000


def remove_stale_worktrees(git: Git) -> None:
    """Worktrees a crashed gate run left behind (not those of a gate run still going).

    Each is locked with the id of the process running its gates; git's records of
    the worktrees are looked at first, so the usual case costs no process.
    """
    if all(_alive(reason) for reason in git.worktree_locks(WORKTREE_PREFIX).values()):
        return
    for tree in git.worktrees():
        if tree.path.name.startswith(WORKTREE_PREFIX) and not _alive(tree.locked):
            git.worktree_remove(tree.path)
            shutil.rmtree(tree.path.parent, ignore_errors=True)  # its temporary folder


def _alive(lock_reason: str | None) -> bool:
    """Whether the process a gate worktree's lock names is still running."""
    if lock_reason is not None and lock_reason.strip() == "initializing":
        return True  # git is adding it right now
    if not lock_reason or not lock_reason.startswith(LOCK_REASON):
        return False
    try:
        os.kill(int(lock_reason.rsplit(" ", 1)[-1]), 0)
    except (OSError, ValueError):
        return False
    return True


def run_gates(
    git: Git, commit: str, gates: Sequence[GateConfig], *, wave: int, emit: Emit
) -> list[GateResult]:
    """Run every gate on ``commit`` checked out in a throwaway worktree (removed afterwards)."""
    if not gates:
        return []
    results = []
    with tempfile.TemporaryDirectory(prefix=WORKTREE_PREFIX) as tmp:
        path = Path(tmp) / f"{WORKTREE_PREFIX}candidate"
        git.worktree_add(path, commit, lock=f"{LOCK_REASON} {os.getpid()}")
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


# -- the last failure, for `ap status` --------------------------------------------------
# A failing gate moves nothing (the plan on the integration branch included), so what
# failed is kept beside the run logs, with the integration tip it failed on.


def _failure_file(git: Git, plan_id: str) -> Path:
    return git.git_dir() / "ap" / "gates" / f"{plan_id}.json"


def remember_failure(git: Git, plan_id: str, tip: str, result: GateResult) -> None:
    """Keep the gate that failed on ``tip`` (the integration branch's, unmoved)."""
    path = _failure_file(git, plan_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"tip": tip, "result": result.model_dump(mode="json")}))


def forget_failure(git: Git, plan_id: str) -> None:
    """The wave merged: its earlier gate failure is history."""
    _failure_file(git, plan_id).unlink(missing_ok=True)


def last_failure(git: Git, plan_id: str, tip: str | None) -> GateResult | None:
    """The gate that last failed on the plan, if the integration branch is still at ``tip``."""
    try:
        data = json.loads(_failure_file(git, plan_id).read_text(encoding="utf-8"))
        if tip is None or data.get("tip") != tip:
            return None
        return GateResult.model_validate(data["result"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
        return None  # none, or not ours to trust: status goes on without it
