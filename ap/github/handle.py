"""``ap github handle``: one idempotent step of the Action, chosen by the event (docs/DESIGN.md §9).

- ``issues`` labelled ``ap-request`` by a writer → a plan from the issue, committed on
  its integration branch, a draft PR and the status comment;
- ``issue_comment`` ``/ap approve|status|retry|cancel`` by a writer;
- ``push`` to an objective branch → the scope check as a commit status, then the
  plan is advanced (merge a finished wave, start the next, accomplish after the last);
- ``workflow_dispatch`` (or ``--resume PLAN``) → advance the plan(s) due.

The issue's text is data for the analyst only: it never reaches a shell. Every
step reads the state from origin's branches and converges when run twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ap.core.config import ApConfig
from ap.core.errors import CheckFailed
from ap.core.events import Emit, event
from ap.core.ids import Branches, is_valid_id
from ap.core.models import CoordinationPlan, ObjectiveStatus, PlanStatus, Source
from ap.core.text import clean_text
from ap.git import Git
from ap.github.api import CommitState, GitHubApi, has_permission
from ap.github.context import Command, GitHubContext, load_context, parse_command
from ap.github.outputs import StepOutputs, escape_markdown
from ap.github.remote import (
    authenticated,
    drop_claim,
    fetch_plans,
    push_branches,
    push_retried,
)
from ap.github.report import pull_request_body, pull_request_title, status_body, waves_table
from ap.github.work import HandleResult, claim_ref, claim_work, done_tip
from ap.run.enforce import check_branch
from ap.run.ledger import Ledger, trailers
from ap.run.merge import GateRunner

REQUEST_LABEL = "ap-request"
SCOPE_CONTEXT = "ap/scope"
REQUEST_MAX_CHARS = 20_000  # the analyst reads at most this much of an issue


class Refused(CheckFailed):
    """The sender may not do this (exit 1)."""


class Handler:
    """One event, handled in the Action's clone of the repository."""

    def __init__(
        self, git: Git, config: ApConfig, api: GitHubApi, ctx: GitHubContext, *, emit: Emit
    ) -> None:
        self.git = git
        self.config = config
        self.api = api
        self.ctx = ctx
        self.emit = emit
        self.branches = Branches(config.branch_prefix)
        # How a wave's gates are judged: None in a job that must not run them (it holds a
        # token): a wave with gates then waits for the verdict of a job that holds none.
        self.gate_runner: GateRunner | None = None
        # False: a wave ready to merge is left to the workflow's advance job ("merge-due"),
        # which merges one plan at a time.
        self.merges = True

    # -- dispatch -----------------------------------------------------------

    def run(self, resume: str | None = None) -> HandleResult:
        name = self.ctx.event_name
        if resume is not None:
            return self.resume(resume)
        if name in ("issues", "issue_comment"):
            try:
                return self.on_issue() if name == "issues" else self.on_comment()
            except Refused as refused:
                return self.answer_refusal(refused)
        if name == "push":
            return self.on_push()
        if name == "workflow_dispatch":
            return self.resume(self.ctx.event.inputs.get("plan") or None)
        return HandleResult("ignored", f"ap does nothing on {name} events")

    def require_writer(self, doing: str) -> str:
        sender = self.ctx.event.sender
        login = sender.login if sender else ""
        role = self.api.permission(login) if login else "none"
        if not has_permission(role, "write"):
            raise Refused(
                f"refused: {clean_text(login)[:40] or 'an unknown sender'} has {role} permission;"
                f" {doing} needs write",
                hint="ask a maintainer of the repository to do it",
            )
        return login

    def answer_refusal(self, refused: Refused) -> HandleResult:
        """A short comment, so whoever asked knows why nothing happened."""
        issue = self.ctx.event.issue
        assert issue is not None
        self.api.comment(issue.number, escape_markdown(refused.message, limit=300, inline=True))
        return HandleResult("refused", refused.message)

    # -- issues: plan ---------------------------------------------------------

    def on_issue(self) -> HandleResult:
        ev = self.ctx.event
        issue = ev.issue
        assert issue is not None
        if ev.action != "labeled" or ev.label is None or ev.label.name != REQUEST_LABEL:
            return HandleResult("ignored", f"not the {REQUEST_LABEL} label being added")
        if issue.is_pull_request:
            return HandleResult("ignored", "ap plans from issues, not pull requests")
        self.require_writer("planning from an issue")
        fetch_plans(self.git, self.config.branch_prefix)
        plan = self.find_plan(issue.number)
        if plan is None or plan.status == PlanStatus.CANCELLED:
            plan = self.create_plan(issue.number, issue.title, issue.body)
        self.publish(plan, issue.number)
        return HandleResult("planned", f"plan {plan.id} for issue #{issue.number}", plan.id, plan)

    def create_plan(self, number: int, title: str, body: str) -> CoordinationPlan:
        from ap.plan.pipeline import finish, make_plan, run_analysis
        from ap.run.start import create_integration

        request = issue_request(title, body)
        source = Source(kind="issue", ref=str(number))
        analysis, specs = run_analysis(
            self.git, self.config, request, emit=self.emit, source=source
        )
        built = make_plan(self.git, self.config, analysis, specs, emit=self.emit)
        outcome = finish(self.git, self.config, analysis, built, emit=self.emit, dry_run=False)
        ledger = Ledger(self.git, self.config, built.id)
        try:
            create_integration(self.git, self.config, ledger)
        finally:
            for path in outcome.written:  # the plan lives on its branch, not in the checkout
                path.unlink(missing_ok=True)
        push_branches(self.git, [ledger.branch])
        return ledger.load()

    def publish(self, plan: CoordinationPlan, issue: int, *, notes: Sequence[str] = ()) -> None:
        """The draft PR (ready when accomplished with every objective merged) and the status
        comment."""
        ledger = Ledger(self.git, self.config, plan.id)
        accomplished = ledger.accomplished() is not None
        pull = self.api.ensure_draft_pull_request(
            head=ledger.branch,
            base=self.api.default_branch(),
            title=pull_request_title(plan),
            body=pull_request_body(plan, issue),
        )
        # Ready for review only when every objective merged: a failed plan stays a draft.
        if accomplished and plan.status == PlanStatus.DONE and pull.draft:
            self.api.mark_ready_for_review(pull.number)
        body = status_body(plan, accomplished=accomplished, notes=notes)
        self.api.upsert_status_comment(issue, plan.id, body)

    def find_plan(self, issue: int) -> CoordinationPlan | None:
        """The latest plan made from ``issue`` (by id: ids start with the date)."""
        found: list[CoordinationPlan] = []
        for name in self.git.branches(f"{self.config.branch_prefix}*/integration"):
            parsed = self.branches.parse(name)
            if parsed is None:
                continue
            plan = Ledger(self.git, self.config, parsed[0]).load()
            if plan.source.kind == "issue" and plan.source.ref == str(issue):
                found.append(plan)
        return max(found, key=lambda p: p.id) if found else None

    # -- issue_comment: commands ----------------------------------------------

    def on_comment(self) -> HandleResult:
        ev = self.ctx.event
        issue, comment = ev.issue, ev.comment
        assert issue is not None and comment is not None
        if ev.action != "created" or comment.author.endswith("[bot]"):
            return HandleResult("ignored", "only new comments by people carry commands")
        command = parse_command(comment.body)
        if command is None:
            return HandleResult("ignored", "the comment holds no /ap command")
        if issue.is_pull_request:
            return HandleResult("ignored", "comment /ap commands on the plan's issue")
        self.require_writer(f"/ap {command.verb}")
        fetch_plans(self.git, self.config.branch_prefix)
        plan = self.find_plan(issue.number)
        if plan is None:
            raise CheckFailed(
                f"issue #{issue.number} has no plan",
                hint=f"a writer adds the {REQUEST_LABEL} label to the issue first",
            )
        return self.command(command, plan, issue.number)

    def command(self, command: Command, plan: CoordinationPlan, issue: int) -> HandleResult:
        if command.verb == "status":
            self.publish(plan, issue)
            return HandleResult("status", f"status of plan {plan.id}", plan.id, plan)
        if command.verb == "retry":
            assert command.task is not None
            return self.retry(plan, command.task, issue)
        if command.verb == "cancel":
            plan = self.cancel(plan)
            self.publish(plan, issue)
            return HandleResult("cancelled", f"plan {plan.id} is cancelled", plan.id, plan)
        if plan.status == PlanStatus.CANCELLED:
            raise CheckFailed(f"plan {plan.id} is cancelled; it cannot start")
        return self.advance(plan.id, approve=True)

    def retry(self, plan: CoordinationPlan, task: str, issue: int) -> HandleResult:
        """A failed objective gets a fresh branch (the old tip is kept); its work is due again."""
        from ap.run.scoperequest import reset_for_retry

        ledger = Ledger(self.git, self.config, plan.id)
        branch = ledger.objective_branch(task)
        old = self.git.rev_parse(f"refs/heads/{branch}")
        if self.release_claim(plan, task, old):
            result = self.advance(plan.id)
            result.message = f"{task}'s agent runs again; " + result.message
            return result
        try:
            reset_for_retry(self.git, self.config, plan.id, task)
        except CheckFailed as exc:
            note = f"/ap retry {task}: {exc.message}. Nothing was changed."
            self.publish(plan, issue, notes=[note])
            return HandleResult("refused", note, plan.id, plan)
        push_branches(self.git, [ledger.branch])
        push_retried(self.git, branch, old)
        result = self.advance(plan.id)
        result.message = f"{task} is retried on a fresh {branch}; " + result.message
        return result

    def release_claim(self, plan: CoordinationPlan, task: str, tip: str | None) -> bool:
        """A running objective claimed by a run whose agent never handed anything over (that
        run was cancelled): the claim is dropped, so this run's agent takes the work."""
        objective = plan.objective(task)
        if objective is None or objective.status != ObjectiveStatus.RUNNING or tip is None:
            return False
        ref = claim_ref(plan.id, task)
        if self.git.rev_parse(ref) != tip or done_tip(self.git, plan.id, task, objective.branch):
            return False
        return drop_claim(self.git, ref, tip)

    def cancel(self, plan: CoordinationPlan) -> CoordinationPlan:
        ledger = Ledger(self.git, self.config, plan.id)
        for _ in range(5):
            tip = ledger.require_tip()
            current = ledger.load(tip)
            if current.status in (PlanStatus.CANCELLED, PlanStatus.DONE):
                return current
            current.status = PlanStatus.CANCELLED
            message = f"chore(ap): cancel {plan.id}\n\n" + trailers(plan=plan.id, step="cancel")
            if ledger.commit(tip, current, message) is not None:
                push_branches(self.git, [ledger.branch])
                return current
        raise CheckFailed(f"the integration branch of {plan.id} keeps moving; try again")

    # -- push: scope check, then advance ----------------------------------------

    def on_push(self) -> HandleResult:
        ev = self.ctx.event
        branch = ev.branch
        parsed = self.branches.parse_objective(branch)
        if ev.deleted or branch is None or parsed is None:
            return HandleResult("ignored", "not a push to an objective branch")
        plan_id, task = parsed
        fetch_plans(self.git, self.config.branch_prefix)
        ledger = Ledger(self.git, self.config, plan_id)
        if ledger.tip() is None or self.git.rev_parse(f"refs/heads/{branch}") is None:
            return HandleResult("ignored", f"{branch} belongs to no started plan")
        state = self.scope_status(plan_id, task)
        result = self.advance(plan_id)
        result.message = f"scope check of {branch}: {state}; " + result.message
        return result

    def scope_status(self, plan_id: str, task: str) -> CommitState:
        """Check an objective branch's tip against its scope; set the ``ap/scope`` status."""
        ledger = Ledger(self.git, self.config, plan_id)
        branch = ledger.objective_branch(task)
        outcome = check_branch(self.git, ledger.settings, branch)
        assert outcome is not None
        tip = self.git.rev_parse(f"refs/heads/{branch}")
        assert tip is not None
        state: CommitState
        if outcome.ok:
            state, text = "success", f"{task}: every change is inside its scope"
        else:
            first = outcome.violations[0].describe()
            state, text = "failure", f"{task}: {len(outcome.violations)} out of scope: {first}"
        self.api.set_commit_status(tip, state, context=SCOPE_CONTEXT, description=text)
        self.emit(event("scope_checked", "github", branch=branch, ok=outcome.ok))
        return state

    def missing_scope_statuses(self, plan: CoordinationPlan) -> list[str]:
        """Set the ``ap/scope`` status on every objective tip with work that has none (a run
        that would have set it may have been cancelled); the objectives checked."""
        checked = []
        for o in plan.objectives:
            if o.status not in (ObjectiveStatus.RUNNING, ObjectiveStatus.DONE) or not o.branch:
                continue
            tip = self.git.rev_parse(f"refs/heads/{o.branch}")
            if tip is None or tip == o.base:
                continue
            if self.api.commit_status(tip, context=SCOPE_CONTEXT) is None:
                self.scope_status(plan.id, o.id)
                checked.append(o.id)
        return checked

    # -- advancing a plan ---------------------------------------------------------

    def resume(self, plan_id: str | None) -> HandleResult:
        if plan_id is not None and not is_valid_id(plan_id):
            raise CheckFailed("the plan input is not a plan id")
        fetch_plans(self.git, self.config.branch_prefix)
        if plan_id is not None:
            return self.advance(plan_id)
        results = []
        for name in sorted(self.git.branches(f"{self.config.branch_prefix}*/integration")):
            parsed = self.branches.parse(name)
            if parsed is not None and Ledger(self.git, self.config, parsed[0]).load().status in (
                PlanStatus.RUNNING,
            ):
                results.append(self.advance(parsed[0]))
        message = "; ".join(r.message for r in results) or "no running plan"
        # One plan per run (the jobs after this one work on one plan): the first with work.
        chosen = next((r for r in results if r.matrix), results[0] if results else None)
        if chosen is None:
            return HandleResult("resumed", message)
        return HandleResult("resumed", message, chosen.plan_id, chosen.plan, chosen.matrix)

    def advance(self, plan_id: str, *, approve: bool = False) -> HandleResult:
        """Do every step that is due on ``plan_id``; stop where work or approval is awaited."""
        from ap.github.advance import advance_plan

        plan = Ledger(self.git, self.config, plan_id).load()
        if plan.status == PlanStatus.RUNNING:
            self.missing_scope_statuses(plan)
        return advance_plan(self, plan_id, approve=approve)


def issue_request(title: str, body: str) -> str:
    """The request the analyst reads: the issue's title and body, cleaned and bounded."""
    text = clean_text(title).strip() + "\n\n" + clean_text(body).strip()
    return text[:REQUEST_MAX_CHARS].strip() or "(empty issue)"


def make_handler(
    git: Git, env: Mapping[str, str], *, emit: Emit, api: GitHubApi | None = None
) -> Handler:
    """The handler of the Action's event (``env``: normally ``os.environ``), its git
    authenticated with the job's token for origin."""
    from ap.core.config import load_config

    ctx = load_context(env)
    if api is None:
        from ap.github.pygithub import PyGithubApi

        api = PyGithubApi(
            ctx.require_token(),
            ctx.repository,
            base_url=ctx.api_url,
            status_comment_author=env.get("AP_STATUS_COMMENT_AUTHOR") or "github-actions[bot]",
        )
    config = load_config(git.root)
    return Handler(authenticated(git, env), config, api, ctx, emit=emit)


def run_action(
    git: Git,
    env: Mapping[str, str],
    *,
    emit: Emit,
    api: GitHubApi | None = None,
    resume: str | None = None,
    dispatch: str | None = None,
    claim: bool = False,
    gate_runner: GateRunner | None = None,
    merge: bool = True,
    agents: bool = True,
) -> HandleResult:
    """Handle the event the Action's ``env`` describes; write the step's outputs and summary.

    ``claim``: the objectives waiting for work are claimed for this run's agents (the
    ``matrix`` output), so no other run works on them. ``dispatch`` names the calling
    workflow file: when work no run has claimed is left (a wave started), it is
    dispatched once more (pushes made with GITHUB_TOKEN start no workflow, so the
    Action drives its next step itself). ``gate_runner``: the verdict of the gates.
    ``merge=False`` leaves a wave ready to merge to a later job. ``agents``: agents do the
    work (with people, only a merge waiting for its gates' verdict is dispatched).
    """
    handler = make_handler(git, env, emit=emit, api=api)
    handler.gate_runner = gate_runner
    handler.merges = merge
    result = handler.run(resume)
    if claim:
        result.matrix = claim_work(handler.git, handler.config.branch_prefix, result.matrix)
    elif dispatch and result.plan_id and _dispatch_due(handler, result, agents=agents):
        api = handler.api
        api.dispatch_workflow(dispatch, ref=api.default_branch(), inputs={"plan": result.plan_id})
        result.matrix = []  # the dispatched run claims it and works on it
    write_outputs(StepOutputs.from_env(env), result)
    return result


def _dispatch_due(handler: Handler, result: HandleResult, *, agents: bool) -> bool:
    """Whether a new run is needed: unclaimed work for agents, or a merge whose gates ran on
    an older candidate (once: a dispatched run that meets it again leaves it to the next)."""
    if agents and result.matrix:
        return True
    return result.step == "gates-due" and handler.ctx.event_name != "workflow_dispatch"


def write_outputs(outputs: StepOutputs, result: HandleResult) -> None:
    """``step``, ``plan`` and ``matrix`` (``{"include": [...]}``) outputs, and the summary."""
    outputs.set_output("step", result.step)
    outputs.set_output("plan", result.plan_id or "")
    outputs.set_output("matrix", json.dumps({"include": result.matrix}, sort_keys=True))
    outputs.set_output("has-work", "true" if result.matrix else "false")
    summary = [f"## ap: {result.step}", "", escape_markdown(result.message, inline=True)]
    if result.plan is not None:
        summary += ["", waves_table(result.plan)]
    outputs.append_summary("\n".join(summary))
