"""What ``ap mcp`` offers a worker, without MCP: the objective it works on, the scope
check of one path, scope requests, progress lines and its AP response.

The objective is the one of the worktree's branch (``<prefix><plan>/<task>``), or
``AP_PLAN``/``AP_TASK`` off such a branch. Every answer is read from the plan on the
integration branch, never from the worktree's copy; the only ways to change
anything are the core ones: :func:`ap.run.scoperequest.request_scope` (a
conflict-free grant, recorded on the integration branch), a line appended to the
objective's log in the run folder, and the objective's own report file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ap.core.config import ApConfig, load_config
from ap.core.errors import ArtifactError, UsageError
from ap.core.fsutil import written_or_undone
from ap.core.ids import is_valid_id, report_relpath
from ap.core.models import CoordinationPlan, Objective
from ap.core.text import for_terminal
from ap.git import Git
from ap.run.enforce import ObjectiveScope, Settings, plan_data
from ap.run.ledger import Ledger
from ap.run.response import parse_response
from ap.run.scoperequest import request_scope
from ap.run.submit import read_report
from ap.scope import Change, parse_pattern
from ap.scope.matcher import ScopeMatcher

PROGRESS_LIMIT = 300
RESPONSE_LIMIT = 200_000
_CHANGE_SUMMARY = re.compile(r"(?m)^### Change Summary\s*$")


@dataclass(frozen=True)
class Where:
    """The objective a server answers for, and the worktree it runs in."""

    git: Git
    config: ApConfig
    plan_id: str
    task: str
    on_branch: bool = True  # the worktree is on the objective's branch (else AP_PLAN/AP_TASK)

    @property
    def settings(self) -> Settings:
        c = self.config
        return Settings(c.state_dir, c.branch_prefix, c.case_sensitive_scopes)

    @property
    def report_path(self) -> str:
        return report_relpath(self.config.state_dir, self.plan_id, self.task)

    @property
    def log(self) -> Path:
        """The worker's log in the run folder: ``ap run`` shows its last line live."""
        return self.git.git_dir() / "ap" / "run" / self.plan_id / "logs" / f"{self.task}.log"


def locate(start: Path, env: Mapping[str, str]) -> Where:
    """The objective of the worktree at ``start`` (its branch), or of AP_PLAN/AP_TASK.

    Refused when the two disagree: a server must not answer for another objective
    than the one whose worktree it edits.
    """
    git = Git.discover(start)
    config = load_config(git.root)
    branches = Settings(config.state_dir, config.branch_prefix).branches
    on_branch = branches.parse_objective(git.current_branch())
    from_env = (env.get("AP_PLAN", ""), env.get("AP_TASK", ""))
    if on_branch is not None and all(from_env) and from_env != on_branch:
        raise UsageError(
            f"this worktree is on objective {on_branch[1]} of {on_branch[0]}, but AP_PLAN/"
            f"AP_TASK name {from_env[1]} of {from_env[0]}",
            hint="start `ap mcp` in the objective's own worktree",
        )
    found = on_branch or (from_env if all(from_env) else None)
    if found is None:
        raise UsageError(
            "no objective here: the branch is not <prefix><plan>/<task> and AP_PLAN/AP_TASK "
            "are not set",
            hint="run `ap mcp` in an objective's worktree (`ap start` creates the branches)",
        )
    if not is_valid_id(found[0]):
        raise UsageError(
            f"AP_PLAN={found[0]!r} is not a plan id", hint="`ap list` shows the plans' ids"
        )
    where = Where(git, config, *found, on_branch=on_branch is not None)
    # refuses a plan that has not started, and a task that is none of its objectives
    ObjectiveScope.from_plan(
        plan_data(git, where.settings, where.plan_id), where.task, where.settings
    )
    return where


class ObjectiveTools:
    """The tools of one objective's server; each returns plain data or raises ApError."""

    def __init__(self, where: Where) -> None:
        self.where = where

    def _plan(self) -> tuple[CoordinationPlan, Objective]:
        w = self.where
        plan = Ledger(w.git, w.config, w.plan_id).load()
        objective = plan.objective(w.task)
        if objective is None:
            raise ArtifactError(
                f"plan {w.plan_id} has no objective {w.task!r}",
                hint="the plan on the integration branch lost it: run `ap validate`",
            )
        return plan, objective

    def _scope(self) -> ObjectiveScope:
        w = self.where
        return ObjectiveScope.from_plan(plan_data(w.git, w.settings, w.plan_id), w.task, w.settings)

    def objective(self) -> dict[str, Any]:
        """The objective as the integration branch's plan states it, grants included."""
        plan, o = self._plan()
        scope = self._scope()
        forbid = plan.forbid_of(o)  # as the prompt says it, then ap's state folders
        forbid += [p for p in scope.forbid if p not in forbid]
        return {
            "plan_id": plan.id,
            "request": plan.request,
            "task": o.id,
            "title": o.title,
            "description": o.description,
            "wave": o.wave,
            "status": o.status.value,
            "depends_on": o.depends_on,
            "scope_touch": list(scope.touch),
            "scope_read": o.scope_read,
            "scope_forbid": forbid,
            "grants": [g.model_dump(mode="json") for g in plan.grants if g.task == o.id],
            "contracts_provided": [
                c.model_dump(mode="json") for c in plan.integration_contracts if c.provider == o.id
            ],
            "contracts_consumed": [
                c.model_dump(mode="json") for c in plan.integration_contracts if c.consumer == o.id
            ],
            "integration_points": o.integration_points,
            "constraints": o.constraints,
            "acceptance": o.acceptance,
            "report_path": self.where.report_path,
        }

    def may_edit(self, path: str) -> dict[str, Any]:
        """Whether the objective may change ``path``: the hook's and the merge's check."""
        rel = self._relative(path)
        scope = self._scope()
        violations = scope.check([Change(status="M", path=rel)])
        if violations:
            return {"path": rel, "allowed": False, "reason": violations[0].reason}
        if rel == scope.report_path:
            reason = "the objective's report file"
        else:
            matcher = ScopeMatcher(scope.touch, case_sensitive=scope.case_sensitive)
            reason = f"covered by scope_touch {matcher.covering(rel)!r}"
        return {"path": rel, "allowed": True, "reason": reason}

    def request_scope(self, pattern: str, why: str) -> dict[str, Any]:
        """``ap scope request`` for this objective: granted when conflict-free, else refused."""
        w = self.where
        grant = request_scope(w.git, w.config, w.plan_id, w.task, pattern, why)
        return {"granted": True, "pattern": grant.pattern, "why": grant.why}

    def report_progress(self, line: str) -> dict[str, Any]:
        """Append one progress line to the objective's log (shown live by ``ap run``)."""
        text = " ".join(for_terminal(line).split())[:PROGRESS_LIMIT]
        if not text:
            raise UsageError(
                "say what the progress is: the line is empty", hint="e.g. 'tests written'"
            )
        log = self.where.log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write(f"progress: {text}\n")
        return {"recorded": text}

    def submit_response(self, response: str) -> dict[str, Any]:
        """Write the AP response to the objective's report file, once it has the form."""
        check_response(response)
        w = self.where
        if not w.on_branch:
            branch = w.settings.branches.objective(w.plan_id, w.task)
            raise UsageError(
                f"this worktree is not on {branch}, where the report of {w.task} goes",
                hint=f"start `ap mcp` in the worktree of {branch}",
            )
        rel = w.report_path
        path = w.git.root / rel
        with written_or_undone(path, response if response.endswith("\n") else response + "\n"):
            report = read_report(path, w.plan_id, w.task, rel)
        assert report is not None
        return {
            "report_path": rel,
            "status": report.status,
            "next": "ap commits it when you exit (under `ap run`); by hand, run `ap submit`",
        }

    def _relative(self, path: str) -> str:
        """``path`` relative to the repository root, refused when it is not a file path."""
        text = path
        if os.path.isabs(text):
            root = str(self.where.git.root)
            if not text.startswith(root.rstrip(os.sep) + os.sep):
                raise UsageError(
                    f"{path!r} is outside this worktree ({root})",
                    hint="give a path inside it, relative to its root",
                )
            text = text[len(root.rstrip(os.sep)) + 1 :]
        if not text or text.endswith("/"):
            raise UsageError(f"{path!r} names no file", hint="give a path such as src/app.py")
        return parse_pattern(text).text  # refuses .., //, \\, .git/, control characters


def check_response(response: str) -> None:
    """Refuse a response without exactly one ``### Change Summary``, unless it is a Failure
    Report or a ``STATUS=BLOCKED`` reply (:func:`ap.run.response.parse_response`)."""
    if len(response) > RESPONSE_LIMIT:
        raise UsageError(
            f"the response is over {RESPONSE_LIMIT} characters",
            hint="keep it to the change summary (or the failure report)",
        )
    summaries = len(_CHANGE_SUMMARY.findall(response))
    if not parse_response(response).failed and summaries != 1:
        found = "none" if summaries == 0 else f"{summaries}"
        raise UsageError(
            f"the response must end with exactly one `### Change Summary` section "
            f"(found {found}), or be a `### Failure Report`",
            hint="add a `### Change Summary` section listing what changed",
        )
