"""A worker's turns on one objective of ``ap run``, in the worktree it was given.

A turn: the prompt written from the plan, the worker run with the ``AP_*``
environment (and ``ap mcp`` for agents), what it did committed on its branch. A
worker that asks for more scope and is granted it takes one turn more; a person
(the manual worker) is waited for instead. :class:`Turns` is the part of
:class:`ap.run.execute.Runner` that does this; the runner owns the state it reads.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ap.core.config import ApConfig
from ap.core.errors import ApError
from ap.core.events import Emit
from ap.core.ids import report_relpath
from ap.core.models import CoordinationPlan, Objective
from ap.git import Git
from ap.plan.prompt import worker_prompt
from ap.run.attempt import no_change_note, response_from_stdout, wait_for_person, worker_env
from ap.run.blocked import ask_for_scope, blocked_again, blocked_request
from ap.run.enforce import Settings
from ap.run.guard import BranchGuard
from ap.run.ledger import Ledger
from ap.run.mcpconfig import objective_server
from ap.run.outcome import TaskResult
from ap.run.process import Processes
from ap.run.response import reported_failure
from ap.run.submit import SubmitResult, submit
from ap.run.workers import Worker


class Turns:
    """The worker's turns of one objective (set by :class:`ap.run.execute.Runner`)."""

    git: Git
    config: ApConfig
    plan_id: str
    ledger: Ledger
    area: Path
    settings: Settings
    processes: Processes
    guard: BranchGuard
    timeout: float | None
    emit: Emit
    _stop: threading.Event

    def _work_in(
        self,
        tree: Path,
        plan: CoordinationPlan,
        data: dict[str, Any],
        objective: Objective,
        worker: Worker,
        branch: str,
        log: Path,
        prompt_file: Path,
    ) -> TaskResult:
        task = objective.id
        if worker.manual:
            return wait_for_person(
                self.emit, self.git, self.plan_id, task, branch, tree,
                self._prompt(plan, objective, prompt_file), self.timeout or worker.timeout,
                self._stop, self.config.state_dir,
            )  # fmt: skip
        turn = self._turn(tree, plan, data, objective, worker, branch, log, prompt_file)
        if isinstance(turn, TaskResult):
            return turn
        answer = ask_for_scope(self.git, self.config, self.plan_id, task, turn.report)
        if answer is not None:
            self.emit(answer.event())
            if not answer.continues:
                return TaskResult(task, worker.name, False, answer.reason(), log=log)
            # once: the worker runs again on its branch, the grant in its scope
            plan = self.ledger.load()
            (tree / self._report(task)).unlink(missing_ok=True)  # (committed: in git)
            turn = self._turn(
                tree, plan, plan.model_dump(mode="json"), objective, worker, branch, log,
                prompt_file, head=turn.commit,
            )  # fmt: skip
            if isinstance(turn, TaskResult):
                return turn
            if blocked_request(turn.report):
                return TaskResult(task, worker.name, False, blocked_again(turn.report), log=log)
        failure = reported_failure(turn.report)
        said = failure or no_change_note(turn.report)
        return TaskResult(task, worker.name, failure is None, said, log=log)

    def _report(self, task: str) -> str:
        return report_relpath(self.config.state_dir, self.plan_id, task)

    def _prompt(self, plan: CoordinationPlan, objective: Objective, prompt_file: Path) -> Path:
        """Write the objective's prompt (from ``plan``: its statuses and grants) to its file."""
        text = worker_prompt(plan, objective.id, report_path=self._report(objective.id))
        prompt_file.write_text(text, encoding="utf-8")
        return prompt_file

    def _turn(
        self,
        tree: Path,
        plan: CoordinationPlan,
        data: dict[str, Any],
        objective: Objective,
        worker: Worker,
        branch: str,
        log: Path,
        prompt_file: Path,
        *,
        head: str | None = None,
    ) -> SubmitResult | TaskResult:
        """The worker run once in ``tree``, and what it did committed on its branch
        (``head``: where the branch is expected; default, where start put it); a
        TaskResult when that failed."""
        task = objective.id
        report = self._report(task)
        prompt = self._prompt(plan, objective, prompt_file).read_text(encoding="utf-8")
        touch = plan.touch_of(objective)
        env = worker_env(self.plan_id, objective, prompt_file, report, tree, touch)
        mcp = objective_server(self.area, env) if worker.mcp else None  # ap mcp, for agents
        argv = worker.command(str(prompt_file), mcp)
        problem = self.processes.run(
            task,
            argv,
            cwd=tree,
            env=env,
            prompt=prompt,
            timeout=self.timeout or worker.timeout,
            log=log,
        )
        self._check_branches()
        if task in self.guard.culprits:
            return TaskResult(task, worker.name, False, self.guard.culprits[task], log=log)
        if problem is not None:
            return TaskResult(task, worker.name, False, problem, log=log)
        response_from_stdout(tree, report, log, prompt)  # no report file: what it printed
        try:
            submitted = submit(
                Git(tree),
                self.settings,
                worker=worker.name,
                enforce=False,
                branch=branch,
                plan=data,
                head=head or objective.base,  # (a guess: checked when the branch moves)
            )
        except ApError as exc:
            return TaskResult(task, worker.name, False, f"could not commit: {exc.message}", log=log)
        self.guard.committed(task, submitted.commit)
        return submitted

    def _check_branches(self) -> None:
        """Undo foreign moves of the wave's branches; say what was found."""
        for moved in self.guard.check():
            self.emit(moved.event())
