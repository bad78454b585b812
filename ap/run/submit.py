"""``ap submit``: on an objective branch, check the work, commit it with the report, mark it done.

Done is a fact in git: the branch tip is a commit with ``AP-Plan``, ``AP-Task`` and
``AP-Status: done`` trailers whose change since the objective's start is inside
its scope. Everything is checked on a copy of the index first; a refused submit
changes nothing (not the index, not the branch, and the report it would have
written is not left behind).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ap.core.errors import ApError, ArtifactError, ScopeViolation, UsageError
from ap.core.frontmatter import FRONT
from ap.core.fsutil import written_or_undone
from ap.core.models import WorkerReport
from ap.git import Git
from ap.run.enforce import CheckOutcome, Settings, check_staged, plan_data
from ap.run.ledger import trailers
from ap.run.response import parse_response, reported_failure
from ap.state.store import SESSION_TEMPLATE, from_markdown, to_markdown


@dataclass
class SubmitResult:
    branch: str
    commit: str
    report: WorkerReport
    outcome: CheckOutcome

    @property
    def status(self) -> str:
        return self.report.status


def read_report(path: Path, plan_id: str, task: str, where: str) -> WorkerReport | None:
    """The worker's report: ap's own format, or a plain AP response wrapped into one."""
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(
            f"{where}: cannot read: {exc}", hint="write the report as a UTF-8 text file"
        ) from None
    return parse_report(text, plan_id, task, where)


def report_at(git: Git, state_dir: str, plan_id: str, task: str, rev: str) -> WorkerReport | None:
    """The report committed at ``rev`` (None: there is none, or it cannot be read)."""
    from ap.core.ids import report_relpath

    rel = report_relpath(state_dir, plan_id, task)
    text = git.show_file(rev, rel)
    if text is None:
        return None
    try:
        return parse_report(text, plan_id, task, rel)
    except ApError:
        return None  # (a broken report: its commit's trailer says enough)


def failure_at(git: Git, state_dir: str, plan_id: str, task: str, rev: str) -> str | None:
    """The worker's own reason for its failure, from the report committed at ``rev``."""
    report = report_at(git, state_dir, plan_id, task, rev)
    return reported_failure(report) if report is not None else None


def parse_report(text: str, plan_id: str, task: str, where: str) -> WorkerReport:
    """A report's text: ap's own format, or a plain AP response wrapped into one."""
    if text.startswith(FRONT):
        report = from_markdown(WorkerReport, text, where=where)
        if (report.plan_id, report.task_id) != (plan_id, task):
            other = f"{report.plan_id}/{report.task_id}"
            raise ArtifactError(
                f"{where}: the report is for {other}, not {plan_id}/{task}",
                hint=f"write the report of {task} of plan {plan_id} there (its front matter "
                "names them), or drop the front matter",
            )
        return report
    found = parse_response(text)
    return WorkerReport(
        plan_id=plan_id,
        task_id=task,
        status="failed" if found.failed else "done",
        change_summary=found.change_summary,
        response=text,
    )


def submit(
    git: Git,
    settings: Settings,
    *,
    summary: str = "",
    no_change: bool = False,
    worker: str | None = None,
    enforce: bool = True,
    branch: str | None = None,
    plan: dict[str, Any] | None = None,
    head: str | None = None,
) -> SubmitResult:
    """Commit the worktree's changes and the report as done.

    ``enforce=False`` (``ap run``) commits even what leaves the scope: the merge-time
    check is the authority and records the violation; an empty change becomes an
    explicit no-change report instead of a refusal. ``ap run`` also passes what it
    knows: the checked-out ``branch``, the ``plan``'s front matter as committed
    on the integration branch, and the commit the branch is expected at (``head``:
    a guess, checked when the branch moves; a worker may have committed itself).
    """
    branch = branch or git.current_branch()
    parsed = settings.branches.parse_objective(branch)
    if parsed is None or branch is None:
        raise UsageError(
            f"{branch or 'a detached HEAD'} is not an objective branch",
            hint=f"switch to {settings.branch_prefix}<plan-id>/<task-id> first",
        )
    plan_id, task = parsed
    data = plan if plan is not None else plan_data(git, settings, plan_id)  # refuses early
    objectives = data.get("objectives") or []
    objective: dict[str, object] = next(
        (o for o in objectives if isinstance(o, dict) and o.get("id") == task), {}
    )
    from ap.core.ids import report_relpath

    rel = report_relpath(settings.state_dir, plan_id, task)
    report_file = git.root / rel
    existing = read_report(report_file, plan_id, task, rel)
    report = existing or WorkerReport(plan_id=plan_id, task_id=task)
    updates: dict[str, object] = {}
    if summary:
        updates["summary"] = summary
    if worker:
        updates["worker"] = worker
    if no_change and report.status == "done":  # (a Failure Report stays a failure)
        updates["status"] = "no_change"
    report = report.model_copy(update=updates)
    text = to_markdown(report, template=SESSION_TEMPLATE)
    with written_or_undone(report_file, text):
        return _commit(
            git,
            settings,
            branch,
            data,
            report,
            objective,
            rel,
            no_change=no_change,
            enforce=enforce,
            head=head,
        )


def _commit(
    git: Git,
    settings: Settings,
    branch: str,
    plan: dict[str, Any],
    report: WorkerReport,
    objective: dict[str, object],
    report_path: str,
    *,
    no_change: bool,
    enforce: bool,
    head: str | None,
) -> SubmitResult:
    index = git.index_path()
    with tempfile.TemporaryDirectory(prefix="ap-submit-") as tmp:
        scratch = Path(tmp) / "index"
        if index.exists():
            shutil.copyfile(index, scratch)
        staged = git.with_index(scratch)
        staged.add_all()
        outcome = check_staged(staged, settings, branch=branch, plan=plan)
        assert outcome is not None  # we are on an objective branch
        if enforce and not outcome.ok:
            raise ScopeViolation(
                outcome.describe(),
                hint="undo those changes (git restore / git rm), then `ap submit` again",
            )
        changed = [c.path for c in outcome.changes if c.path != report_path]
        if not changed and not enforce and report.status == "done":
            report = report.model_copy(update={"status": "no_change"})
        elif not changed and not no_change and report.status == "done":
            raise UsageError(
                f"nothing changed in the scope of {outcome.scope.task}",
                hint="pass --no-change to submit an explicit no-change report",
            )
        status = "failed" if report.status == "failed" else "done"
        title = str(objective.get("title") or outcome.scope.task)
        body = report.summary or report.change_summary
        message = f"feat({outcome.scope.task}): {title}\n\n"
        if body:
            message += body.strip() + "\n\n"
        message += trailers(plan=outcome.scope.plan_id, task=outcome.scope.task, status=status)
        tree = staged.write_tree()
        commit = _publish(git, branch, tree, message, head)
        shutil.copyfile(scratch, index)
    return SubmitResult(branch, commit, report, outcome)


def _publish(git: Git, branch: str, tree: str, message: str, guess: str | None) -> str:
    """Commit ``tree`` on the branch's tip and move the branch (compare-and-swap)."""
    for tried in (guess, None) if guess else (None,):
        head = tried or git.head()
        commit = git.commit_tree(tree, [head] if head else [], message)
        if git.update_ref(f"refs/heads/{branch}", commit, head):
            return commit
    raise UsageError(f"{branch} moved while submitting", hint="run `ap submit` again")
