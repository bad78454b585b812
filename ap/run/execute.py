"""``ap run``: every wave of a plan, workers in parallel, then merge; then the accomplishment.

For each wave: ``ap start`` (idempotent), a worktree per objective under the git
dir (never tracked), the chosen worker run there with the prompt on stdin and the
``AP_*`` environment (docs/DESIGN.md §10), its output logged beside the worktree; a
non-zero exit or a timeout fails the objective; otherwise its changes are
committed with trailers (whatever they touch: the merge-time check is the
authority and records violations). Failures go into the plan, then
``merge-wave`` runs; a failed objective blocks its dependants and nothing else.
Done is read from git, so a run that was interrupted resumes where it stopped:
objectives whose branch tip is already a done commit are not run again.

Workers can be hostile or careless: each attempt gets a fresh worktree (slots.py),
nothing a worker starts outlives it and a killed run's workers are stopped by the
next (process.py, reaper.py), uncommitted work is never removed (slots.py), and a
worker that moves another objective's branch fails instead of its victim (guard.py).
A worker's turns in its worktree, prompt to commit, are in turn.py.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from ap.core.config import ApConfig
from ap.core.errors import ApError
from ap.core.events import Emit, event
from ap.core.models import CoordinationPlan, Objective, ObjectiveStatus
from ap.git import Git
from ap.run.accomplish import accomplish
from ap.run.assign import assign, record, submitted
from ap.run.attempt import finished_event, started_event
from ap.run.enforce import Settings
from ap.run.guard import BranchGuard
from ap.run.ledger import Ledger, trailers, update_plan
from ap.run.merge import merge_wave
from ap.run.outcome import RunOutcome, TaskResult
from ap.run.process import Processes, last_line
from ap.run.reaper import become_subreaper, stop_stale
from ap.run.runlock import holding
from ap.run.slots import Slots, kept_event
from ap.run.start import StartResult, next_wave, start
from ap.run.turn import Turns
from ap.run.workers import Worker, narrower_limits, require_programs, resolve

__all__ = ["RunOutcome", "Runner", "TaskResult", "run_plan"]  # (RunOutcome: ap.setup.demo's)

PROGRESS_EVERY = 5.0


class Runner(Turns):
    """Runs one plan to its end."""

    def __init__(
        self,
        git: Git,
        config: ApConfig,
        plan_id: str,
        *,
        worker: str | None,
        parallel: int | None,
        timeout: float | None,
        emit: Emit,
        overrides: dict[str, str] | None = None,
    ) -> None:
        self.git = git
        self.overrides = {task: resolve(config, name) for task, name in (overrides or {}).items()}
        self.config = config
        self.ledger = Ledger(git, config, plan_id)
        self.plan_id = plan_id
        self.worker_override = resolve(config, worker) if worker else None
        self.parallel = parallel
        self._limits_said: set[str] = set()  # workers whose max_concurrent the run named
        self.timeout = timeout
        self.emit = emit
        self.area = git.git_dir() / "ap" / "run" / plan_id
        self.settings = Settings(
            config.state_dir, config.branch_prefix, config.case_sensitive_scopes
        )
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.processes = Processes(self._stop, self.area / "workers", self.area / "worktrees")
        self.slots = Slots(git, self.area / "worktrees", on_keep=self._kept)
        self._active: dict[str, tuple[float, Path]] = {}  # task -> (started, log)
        self._takes_left: int | None = None  # slots still to take in the last wave
        self.guard = BranchGuard(git, plan_id)  # (one per wave: see _watch)

    # -- the plan ------------------------------------------------------------

    def run(self) -> RunOutcome:
        """Run the plan to its end; refused while another run of it is going."""
        require_programs([*self.overrides.values(), *filter(None, [self.worker_override])])
        with holding(self.area / "run.lock", self.plan_id):
            return self._run()

    def _run(self) -> RunOutcome:
        outcome = RunOutcome(self.plan_id)
        become_subreaper()  # a worker's orphans come to ap, which stops them
        self._stop_stale()  # a killed run's workers, before anything else
        self.slots.remove_all()  # whatever a killed run left (but uncommitted work)
        try:
            while True:
                tip = self.ledger.tip()
                plan = self.ledger.load(tip) if tip else None
                number = next_wave(plan) if plan is not None else 1
                if number is None:
                    break  # (``tip``: where the accomplishment goes, unless it moves)
                self.emit(event("phase_start", "execution", title=f"Wave {number}", wave=number))
                started, chosen = self._start_wave(number, tip)
                results = self._run_wave(started.plan, number, chosen)
                outcome.results += results
                if number == len(started.plan.waves):
                    self.slots.remove_all_soon()  # while the last wave merges
                # (A failure was written to the plan: then the tip moved since the start.)
                seen = started.tip if all(r.ok for r in results) else None
                merged = merge_wave(
                    self.git, self.config, self.plan_id, wave=number, emit=self.emit, tip=seen
                )
                outcome.merges.append(merged)
            outcome.accomplishment = accomplish(
                self.git, self.config, self.plan_id, emit=self.emit, tip=tip
            )
        except ApError:  # (a gate failed, a merge conflicted): what ran, then why it stopped
            self._summarize(outcome)
            raise
        finally:
            self._cleanup()
        self._summarize(outcome)
        return outcome

    def _summarize(self, outcome: RunOutcome) -> None:
        self.emit(
            event(
                "run_summary",
                "execution",
                plan_id=self.plan_id,
                objectives=outcome.summary(),
            )
        )

    def _start_wave(
        self, number: int, tip: str | None
    ) -> tuple[StartResult, dict[str, tuple[Worker, str]]]:
        """``ap start`` for the wave, recording in the same commit who does each objective."""
        chosen: dict[str, tuple[Worker, str]] = {}

        def prepare(plan: CoordinationPlan, number: int, tip: str) -> bool:
            chosen.clear()
            done = submitted(self.git, self.ledger, plan, number, tip)
            chosen.update(
                assign(self.config, plan, number, done, self.overrides, self.worker_override)
            )
            require_programs(worker for worker, _ in chosen.values())  # before the wave starts
            # the worktrees are added while the start is committed
            self.slots.reserve(
                min(self._limit(len(chosen)), len(chosen)), plan.base_commit or "HEAD"
            )
            return record(plan, chosen)

        started = start(
            self.git,
            self.config,
            self.plan_id,
            wave=number,
            emit=self.emit,
            prepare=prepare,
            tip=tip,
        )
        return started, chosen

    def _run_wave(
        self,
        plan: CoordinationPlan,
        number: int,
        chosen: dict[str, tuple[Worker, str]],
    ) -> list[TaskResult]:
        # (chosen: the running objectives not yet submitted, each with its worker)
        todo = [o for t in plan.waves[number - 1] if (o := plan.objective(t)) and t in chosen]
        if not todo:
            return []
        limit = self._limit(len(todo))
        slots = {w.name: threading.Semaphore(w.max_concurrent or limit) for w, _ in chosen.values()}
        self._say_limits(limit, [chosen[o.id][0] for o in todo])
        # in the last wave, slots given back after the last take are not cleaned for reuse
        self._takes_left = len(todo) if number == len(plan.waves) else None
        data = plan.model_dump(mode="json")  # what submit checks against (read only)
        self._watch(plan, number)
        results: list[TaskResult] = []
        with ThreadPoolExecutor(max_workers=limit) as pool:
            futures: dict[Future[TaskResult], str] = {}
            for objective in todo:
                worker, _ = chosen[objective.id]
                job = pool.submit(self._objective, plan, data, objective, worker, slots)
                futures[job] = objective.id
            pending = set(futures)
            try:
                shown = time.monotonic()
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    results += [f.result() for f in done]
                    if time.monotonic() - shown >= PROGRESS_EVERY:
                        shown = time.monotonic()
                        self._progress()
            except BaseException:
                self._stop.set()
                self.processes.kill_all()
                raise
        self._check_branches()
        for r in results:  # a worker that moved another objective's branch fails, not its victim
            if r.ok and r.task in self.guard.culprits:
                r.ok, r.reason = False, self.guard.culprits[r.task]
        failed = {r.task: r.reason or "failed" for r in results if not r.ok}
        if failed:
            update_plan(
                self.ledger,
                lambda p: _mark_failed(p, failed),
                f"chore(ap): {', '.join(failed)} failed in wave {number} of {self.plan_id}\n\n"
                + trailers(plan=self.plan_id, step="fail", wave=str(number)),
            )
        return results

    def _progress(self) -> None:
        """One line per running objective: elapsed time and the last line of its log."""
        with self._lock:
            active = dict(self._active)
        now = time.monotonic()
        for task, (started, log) in sorted(active.items()):
            last = last_line(log)
            self.emit(
                event(
                    "objective_progress",
                    "execution",
                    task=task,
                    elapsed=round(now - started, 1),
                    last_activity=last,
                    message=f"{task}: running {now - started:.0f} s"
                    + (f" — {last}" if last else ""),
                )
            )

    def _say_limits(self, limit: int, workers: list[Worker]) -> None:
        """Say once per worker when its ``max_concurrent`` runs fewer at once than the run could."""
        for name, text in narrower_limits(workers, limit).items():
            if name not in self._limits_said:
                self._limits_said.add(name)
                self.emit(event("message", "execution", message=text))

    def _limit(self, todo: int) -> int:
        """How many objectives run at once."""
        return max(1, self.parallel or self.config.max_parallel or todo)

    # -- one objective -------------------------------------------------------

    def _objective(
        self,
        plan: CoordinationPlan,
        data: dict[str, Any],
        objective: Objective,
        worker: Worker,
        slots: dict[str, threading.Semaphore],
    ) -> TaskResult:
        with slots[worker.name]:
            if self._stop.is_set():
                return TaskResult(objective.id, worker.name, False, "interrupted")
            started = time.monotonic()
            self.emit(started_event(objective, worker.name))
            with self._lock:
                self._active[objective.id] = (started, self.area / "logs" / f"{objective.id}.log")
            try:
                result = self._work(plan, data, objective, worker)
            finally:
                with self._lock:
                    self._active.pop(objective.id, None)
            result.elapsed = round(time.monotonic() - started, 2)
            self.emit(finished_event(result))
            return result

    def _work(
        self, plan: CoordinationPlan, data: dict[str, Any], objective: Objective, worker: Worker
    ) -> TaskResult:
        task = objective.id
        branch = objective.branch or self.ledger.objective_branch(task)
        log = self.area / "logs" / f"{task}.log"
        prompt_file = self.area / "prompts" / f"{task}.txt"
        for folder in (log.parent, prompt_file.parent):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            tree = self.slots.take(branch, task, resume=worker.manual)
        except ApError as exc:
            return TaskResult(task, worker.name, False, f"no worktree: {exc.message}")
        finally:
            with self._lock:
                if self._takes_left is not None:
                    self._takes_left -= 1
                    if self._takes_left == 0:
                        self.slots.no_more_takes()
        self.guard.working(task, tree)
        try:
            return self._work_in(tree, plan, data, objective, worker, branch, log, prompt_file)
        finally:
            if worker.manual:  # a person's submit: their own move, while the worktree is theirs
                self._check_branches()
            self.guard.working(task, None)
            self.slots.give_back(tree)

    # -- worktrees and processes ------------------------------------------

    def _watch(self, plan: CoordinationPlan, number: int) -> None:
        """Watch the wave's objective branches from where they are now."""
        self.guard = BranchGuard(
            self.git, self.plan_id, case_sensitive=self.config.case_sensitive_scopes
        )
        tips = self.git.branches(f"{self.ledger.branches.prefix}{self.plan_id}/*")
        for task in plan.waves[number - 1]:
            o = plan.objective(task)
            branch = (o.branch if o else None) or self.ledger.objective_branch(task)
            if o is not None and (tip := tips.get(branch)) is not None:
                self.guard.expect(task, branch, tip, o.scope_touch)

    def _stop_stale(self) -> None:
        """Stop the workers a killed run left running (recorded in its folder)."""
        stale = sorted(e.task for e in stop_stale(self.area / "workers"))
        if stale:
            said = f"stopped what an earlier run's workers left running ({', '.join(stale)})"
            self.emit(event("message", "execution", message=said))

    def _kept(self, task: str | None, tree: Path) -> None:
        self.emit(kept_event(task, tree))

    def _cleanup(self) -> None:
        """Remove the worktrees (never a branch: the work is in the branches' commits)."""
        self._stop.set()
        self.processes.kill_all()
        self.slots.remove_all(prune=False)


def _mark_failed(plan: CoordinationPlan, failed: dict[str, str]) -> bool:
    changed = False
    for task, reason in failed.items():
        o = plan.objective(task)
        if o is not None and o.status != ObjectiveStatus.FAILED:
            o.status = ObjectiveStatus.FAILED
            o.status_reason = reason
            changed = True
    return changed


def run_plan(
    git: Git,
    config: ApConfig,
    plan_id: str,
    *,
    worker: str | None = None,
    parallel: int | None = None,
    timeout: float | None = None,
    emit: Emit,
    overrides: dict[str, str] | None = None,
) -> RunOutcome:
    return Runner(
        git,
        config,
        plan_id,
        worker=worker,
        parallel=parallel,
        timeout=timeout,
        emit=emit,
        overrides=overrides,
    ).run()
