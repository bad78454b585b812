"""One attempt at an objective: its worker's environment, a person's turn, its events."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from ap.core.events import Emit, event
from ap.core.models import Event, Objective, WorkerReport
from ap.git import Git
from ap.run.guard import label
from ap.run.ledger import tip_status
from ap.run.outcome import TaskResult
from ap.run.response import parse_response, response_start
from ap.run.submit import failure_at

MANUAL_POLL = 2.0
STDOUT_LIMIT = 200_000  # the most of a worker's output kept as its response


def response_from_stdout(tree: Path, report: str, log: Path, prompt: str = "") -> None:
    """No report file: the AP response the worker printed, if any, becomes it.

    Only the AP response (a Change Summary, a Failure Report, a block), from its first
    line on, is kept; what the worker printed before stays in its log. A worker that
    echoes its ``prompt`` echoes the response formats it shows: only what it printed
    after the prompt's last line counts.
    """
    target = tree / report
    if target.exists() or not log.is_file():
        return
    data = log.read_bytes()[-STDOUT_LIMIT:]
    text = data.decode("utf-8", errors="replace")
    last = next((line for line in reversed(prompt.splitlines()) if line.strip()), "")
    echoed = text.rfind(last) if last else -1
    if echoed >= 0:
        text = text[echoed + len(last) :]
    start = response_start(text)
    if start is None:
        return
    text = text[start:]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def worker_env(
    plan_id: str,
    objective: Objective,
    prompt_file: Path,
    report: str,
    tree: Path,
    touch: list[str] | None = None,
) -> dict[str, str]:
    """The worker's environment (docs/DESIGN.md §10); ``touch``: its scope with its grants."""
    return {
        **os.environ,
        "AP_PLAN": plan_id,
        "AP_TASK": objective.id,
        "AP_WAVE": str(objective.wave),
        "AP_PROMPT_FILE": str(prompt_file),
        "AP_SCOPE_TOUCH": "\n".join(objective.scope_touch if touch is None else touch),
        "AP_REPORT_PATH": report,
        "AP_WORKTREE": str(tree),
        "GIT_REFLOG_ACTION": label(objective.id),  # whose hand moved a branch, in the reflogs
    }


def no_change_note(report: WorkerReport) -> str | None:
    """What to say of a worker that changed nothing (None: it changed something)."""
    if report.status != "no_change":
        return None
    if parse_response(report.response).kind == "none":
        return "no change: the worker exited 0, changed nothing and wrote no response"
    return "no change: the worker changed nothing (its response says why)"


def wait_for_person(
    emit: Emit,
    git: Git,
    plan_id: str,
    task: str,
    branch: str,
    tree: Path,
    prompt_file: Path,
    timeout: float | None,
    stop: threading.Event,
    state_dir: str = "docs",
) -> TaskResult:
    """A person does it: show the prompt and the worktree; wait for `ap submit` there."""
    emit(
        event(
            "message",
            "execution",
            message=f"{task} is yours: work in {tree}, then run `ap submit` there "
            f"(the prompt is in {prompt_file})",
        )
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    while not stop.is_set():
        status = tip_status(git, plan_id, task, f"refs/heads/{branch}")
        if status == "done":
            return TaskResult(task, "manual", True)
        if status == "failed":  # a Failure Report submitted: in the person's own words
            said = failure_at(git, state_dir, plan_id, task, f"refs/heads/{branch}")
            return TaskResult(task, "manual", False, said or "the person reported failure")
        if deadline is not None and time.monotonic() > deadline:
            return TaskResult(task, "manual", False, f"not submitted within {timeout:g} s")
        time.sleep(MANUAL_POLL)
    return TaskResult(task, "manual", False, "interrupted")


def started_event(objective: Objective, worker: str) -> Event:
    return event(
        "objective_started",
        "execution",
        task=objective.id,
        worker=worker,
        message=f"{objective.id}: started with {worker} — {objective.title}",
    )


def finished_event(result: TaskResult) -> Event:
    status = "done" if result.ok else "failed"
    return event(
        "objective_finished",
        "execution",
        task=result.task,
        status=status,
        reason=result.reason,
        elapsed=result.elapsed,
        message=f"{result.task}: {status} in {result.elapsed:.1f} s"
        + (f" — {result.reason}" if result.reason else ""),
    )
