"""An agent's work, handed from the job that ran it (no token) to the job that pushes it.

The agent job (``contents: read``, no token in any process) runs the agent, then
:func:`hand_over`: ``ap submit`` on the objective branch and a git bundle of the
new commits, or a failure, in a folder the workflow uploads as an artifact. The
job that may push (:func:`take_over`) reads that artifact as untrusted data: the
bundle must fast-forward the branch as origin has it, end with the objective's
done commit and stay inside the objective's scope (read from the integration
branch). Only then is it pushed (hooks off), and its ``ap/scope`` status set
there: a push made with GITHUB_TOKEN starts no workflow that could set it.
Anything else marks the objective failed, so ``/ap retry`` can take it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ap.core.config import ApConfig
from ap.core.errors import ApError, CheckFailed, GitError
from ap.core.events import Emit, event
from ap.core.fsutil import atomic_write
from ap.core.ids import is_valid_id
from ap.core.models import CoordinationPlan, ObjectiveStatus
from ap.git import Git
from ap.github.context import GitHubEventError, is_task_id
from ap.github.remote import fetch_plans, push_branches
from ap.run.ledger import Ledger, tip_status, trailers, update_plan

if TYPE_CHECKING:
    from ap.github.handle import Handler

HANDOVER = "handover.json"
BUNDLE = "work.bundle"
ARTIFACT_PREFIX = "ap-work-"
MAX_HANDOVER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Handover:
    """What an agent job says it did: ``done`` (a bundle beside it) or ``failed``."""

    plan: str
    task: str
    status: str
    exit_code: int

    def to_json(self) -> str:
        return json.dumps(
            {"plan": self.plan, "task": self.task, "status": self.status, "exit": self.exit_code}
        )


def hand_over(
    git: Git, config: ApConfig, plan_id: str, task: str, *, agent_exit: int, out: Path, emit: Emit
) -> Handover:
    """In the agent's checkout: submit the work (when the agent succeeded) and write the
    handover and the bundle of the branch's new commits into ``out``."""
    from ap.run.submit import submit

    ledger = Ledger(git, config, plan_id)
    branch = ledger.objective_branch(task)
    start = git.rev_parse(f"refs/remotes/origin/{branch}")
    status = "failed"
    if agent_exit == 0:
        try:
            submit(git, ledger.settings, summary=f"work of {task}", branch=branch)
            status = "done"
        except ApError as exc:
            emit(event("objective_finished", "github", task=task, ok=False, reason=exc.message))
    out.mkdir(parents=True, exist_ok=True)
    if status == "done" and start is not None:
        git.bundle_create(out / BUNDLE, [f"refs/heads/{branch}", f"^{start}"])
    handover = Handover(plan_id, task, status, agent_exit)
    atomic_write(out / HANDOVER, handover.to_json())
    return handover


def read_handover(folder: Path, plan_id: str, task: str) -> Handover | None:
    """The handover in ``folder`` when it is a well-formed one about ``plan_id``/``task``."""
    path = folder / HANDOVER
    try:
        if path.stat().st_size > MAX_HANDOVER_BYTES:
            return None
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    status, code = data.get("status"), data.get("exit")
    if (data.get("plan"), data.get("task")) != (plan_id, task) or status not in ("done", "failed"):
        return None
    if not isinstance(code, int) or isinstance(code, bool) or not -1 <= code <= 255:
        return None
    return Handover(plan_id, task, str(status), code)


def tasks_of(matrix_json: str, plan_id: str) -> list[str]:
    """The objectives of ``plan_id`` in a work matrix (``{"include": [{"task": ...}]}``)."""
    try:
        data: Any = json.loads(matrix_json)
        entries = data["include"]
        return [str(e["task"]) for e in entries if e.get("plan") == plan_id]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GitHubEventError(
            "the work matrix is not the one `ap github handle` writes",
            hint="pass the handle job's `matrix` output unchanged",
        ) from exc


def take_over(handler: Handler, plan_id: str, tasks: Sequence[str], folder: Path) -> list[str]:
    """Push each objective's handed-over work, or mark it failed; what happened, one line each."""
    if not is_valid_id(plan_id) or not all(is_task_id(t) for t in tasks):
        raise GitHubEventError(
            "the plan or an objective of the work matrix is not an id",
            hint="pass the handle job's `plan` and `matrix` outputs unchanged",
        )
    ledger = Ledger(handler.git, handler.config, plan_id)
    failed: dict[str, str] = {}
    notes = []
    for task in tasks:
        reason = _take_one(handler, ledger, task, folder / f"{ARTIFACT_PREFIX}{task}")
        if reason is None:
            notes.append(f"{task}: work pushed")
        else:
            failed[task] = reason
            notes.append(f"{task}: {reason}")
    if failed:
        _record_failures(handler, ledger, failed)
    return notes


def _record_failures(handler: Handler, ledger: Ledger, failed: dict[str, str]) -> None:
    """Mark ``failed`` on the integration branch and push it; when another job pushed the
    branch first, fetch it and mark them again on its new tip."""
    for _ in range(3):
        _mark_failed(ledger, failed)
        try:
            push_branches(handler.git, [ledger.branch])
            return
        except GitError:
            fetch_plans(handler.git, handler.config.branch_prefix)
    raise CheckFailed(f"the integration branch of {ledger.plan_id} keeps moving; try again")


def _take_one(handler: Handler, ledger: Ledger, task: str, folder: Path) -> str | None:
    """None when the work was pushed; else why the objective failed."""
    plan = ledger.load()
    objective = plan.objective(task)
    if objective is None or objective.status != ObjectiveStatus.RUNNING or not objective.branch:
        return None if objective is not None else f"plan {plan.id} has no objective {task}"
    handover = read_handover(folder, plan.id, task)
    if handover is None:
        return "the agent's job handed nothing usable over (cancelled or crashed)"
    if handover.status != "done":
        if handover.exit_code != 0:
            return f"the agent exited with {handover.exit_code}"
        return "`ap submit` refused the agent's work (see the agent job's log)"
    return _push_work(handler, ledger, plan, task, folder / BUNDLE)


def _push_work(
    handler: Handler, ledger: Ledger, plan: CoordinationPlan, task: str, bundle: Path
) -> str | None:
    git = handler.git
    ref = f"refs/heads/{ledger.objective_branch(task)}"
    old = git.rev_parse(ref)
    new, refusal = _unbundle(git, plan.id, task, ref, bundle)
    if refusal is not None or old is None or new is None:
        return refusal or "the agent's work does not continue its branch"
    if not git.is_ancestor(old, new):
        return "the agent's work does not continue its branch"
    if not git.update_ref(ref, new, old):
        return f"{ref} moved while its work was handed over"
    refusal = _scope_refusal(git, ledger, ref)
    if refusal is None:
        try:
            push_branches(git, [ref.removeprefix("refs/heads/")])
        except GitError:
            refusal = "the branch moved on origin while its agent worked"
    if refusal is not None:
        git.update_ref(ref, old, new)
        return refusal
    handler.scope_status(plan.id, task)
    return None


def _unbundle(
    git: Git, plan_id: str, task: str, ref: str, bundle: Path
) -> tuple[str | None, str | None]:
    """The tip the bundle brings for ``ref`` (kept under ``refs/ap/incoming/``), or why not."""
    incoming = f"refs/ap/incoming/{task}"
    try:
        git.fetch(str(bundle), [f"+{ref}:{incoming}"])
    except GitError:
        return None, "the agent's bundle is not a bundle of its branch"
    new = git.rev_parse(incoming)
    if new is None or tip_status(git, plan_id, task, new) != "done":
        return None, "the agent's work does not end with its done commit"
    return new, None


def _scope_refusal(git: Git, ledger: Ledger, ref: str) -> str | None:
    from ap.run.enforce import check_branch

    outcome = check_branch(git, ledger.settings, ref.removeprefix("refs/heads/"))
    if outcome is not None and outcome.ok:
        return None
    first = outcome.violations[0].describe() if outcome and outcome.violations else "?"
    return f"out of scope: {first}"


def _mark_failed(ledger: Ledger, failed: dict[str, str]) -> None:
    def failing(tasks: list[str]) -> Callable[[CoordinationPlan], bool]:
        def change(plan: CoordinationPlan) -> bool:
            changed = False
            for task in tasks:
                o = plan.objective(task)
                if o is not None and o.status == ObjectiveStatus.RUNNING:
                    o.status, o.status_reason = ObjectiveStatus.FAILED, failed[task]
                    changed = True
            return changed

        return change

    plan = ledger.load()
    by_wave: dict[int, list[str]] = {}
    for task in sorted(failed):
        objective = plan.objective(task)
        if objective is not None:
            by_wave.setdefault(objective.wave, []).append(task)
    for wave, tasks in sorted(by_wave.items()):  # a fail step names its wave (AP-Wave)
        message = f"chore(ap): {', '.join(tasks)} of {ledger.plan_id} failed\n\n" + trailers(
            plan=ledger.plan_id, step="fail", wave=str(wave)
        )
        update_plan(ledger, failing(tasks), message)
