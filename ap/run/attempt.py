"""One attempt at an objective: its worker's environment, a person's turn, its events."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from ap.core.config import ApConfig
from ap.core.errors import ApError
from ap.core.events import Emit, event
from ap.core.models import Event, Objective, WorkerReport
from ap.git import Git
from ap.run.guard import label
from ap.run.ledger import tip_status
from ap.run.outcome import TaskResult
from ap.run.response import parse_response, reported_failure, response_start
from ap.run.scoperequest import request_scope
from ap.run.submit import failure_at

MANUAL_POLL = 2.0
STDOUT_LIMIT = 200_000  # the most of a worker's output kept as its response


def response_from_stdout(tree: Path, report: str, log: Path) -> None:
    """No report file: the AP response the worker printed, if any, becomes it.

    Only the AP response (a Change Summary, a Failure Report, a block), from its first
    line on, is kept; what the worker printed before stays in its log.
    """
    target = tree / report
    if target.exists() or not log.is_file():
        return
    data = log.read_bytes()[-STDOUT_LIMIT:]
    text = data.decode("utf-8", errors="replace")
    start = response_start(text)
    if start is None:
        return
    text = text[start:]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def worker_env(
    plan_id: str, objective: Objective, prompt_file: Path, report: str, tree: Path
) -> dict[str, str]:
    """The worker's environment (docs/DESIGN.md §10)."""
    return {
        **os.environ,
        "AP_PLAN": plan_id,
        "AP_TASK": objective.id,
        "AP_WAVE": str(objective.wave),
        "AP_PROMPT_FILE": str(prompt_file),
        "AP_SCOPE_TOUCH": "\n".join(objective.scope_touch),
        "AP_REPORT_PATH": report,
        "AP_WORKTREE": str(tree),
        "GIT_REFLOG_ACTION": label(objective.id),  # whose hand moved a branch, in the reflogs
    }


def settle_failure(
    git: Git, config: ApConfig, plan_id: str, task: str, report: WorkerReport
) -> str | None:
    """Why the objective failed by its worker's word (None: it did not).

    A blocked worker's requested scope goes through ``ap scope request`` while the
    objective still runs: granted when conflict-free (then ``ap retry`` runs it again
    with it), else refused naming the objective it collides with.
    """
    failure = reported_failure(report)
    said = parse_response(report.response)
    if failure is None or said.kind != "blocked" or not said.requested_scope:
        return failure
    why = said.reason or "the worker is blocked without it"
    granted: list[str] = []
    refused: list[str] = []
    for pattern in said.requested_scope:
        try:
            granted.append(request_scope(git, config, plan_id, task, pattern, why).pattern)
        except ApError as exc:
            refused.append(exc.message)
    if refused:
        return f"{failure}; refused: {'; '.join(refused)}"
    return f"{failure}; granted {', '.join(granted)}: `ap retry {task}` runs it again with it"


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
