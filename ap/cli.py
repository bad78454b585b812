"""The command line: parse → call core → render. The one error boundary of ap.

Click is imported here and nowhere else. Commands are thin: they call typed core
functions that return data and emit events, and return an exit code.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from ap import __version__
from ap.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, ApError, CheckFailed
from ap.events import (
    Background,
    ConsoleRenderer,
    Emit,
    JsonLinesRenderer,
    event,
    plain_wanted,
    to_json,
)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class App:
    """What every command needs: where the repository is and how to show events."""

    cwd: Path = field(default_factory=Path.cwd)
    json: bool = False
    verbose: bool = False
    _emit: Emit | None = None

    @property
    def emit(self) -> Emit:
        if self._emit is None:
            self._emit = JsonLinesRenderer() if self.json else ConsoleRenderer(verbose=self.verbose)
        return self._emit

    @contextmanager
    def background(self) -> Iterator[Emit]:
        """Events of a long, threaded run, drawn on their own thread (all shown by the end)."""
        emit = Background(lambda: self.emit)
        try:
            yield emit
        finally:
            emit.close()

    def plan(self, plan_ref: str | None) -> tuple[Any, Any, str]:
        """The repository, its ap.yaml and the plan PLAN names (or this branch's)."""
        from ap.run.ledger import resolve_plan_id

        git = self.git()
        config = _load_config(git)
        return git, config, resolve_plan_id(git, config, plan_ref)

    def git(self) -> Any:
        from ap.git import Git

        return Git.discover(self.cwd)

    def out(self, text: str) -> None:
        """Human output: stdout normally, stderr under --json (stdout is events only).

        Titles, requests and reasons may come from an issue or a worker: no terminal
        escape sequence or invisible character goes out.
        """
        from ap.text import for_terminal

        text = for_terminal(text)
        click.echo(text, file=sys.stderr if self.json else sys.stdout, nl=not text.endswith("\n"))


def _set_json(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(App).json = True
    return value


def json_option(func: F) -> F:
    """``--json`` on every command: stdout becomes JSON Lines events only."""
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_json,
        help="Write JSON Lines events on stdout instead of human output.",
    )(func)


pass_app = click.make_pass_decorator(App, ensure=True)


def _timer_seconds(_: click.Context, __: click.Parameter, value: float | None) -> float | None:
    """Seconds a timer can wait: finite and within the platform's limit (``inf``, ``nan``
    or ``1e308`` crash the timer thread)."""
    import math
    import threading

    if value is not None and not (math.isfinite(value) and value <= threading.TIMEOUT_MAX):
        raise click.BadParameter(
            f"{value!r} is not a number of seconds up to {threading.TIMEOUT_MAX:.0f}"
        )
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ap", message="%(prog)s %(version)s")
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run as if ap was started in this directory.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show every event.")
@json_option
@pass_app
def cli(app: App, directory: Path | None, verbose: bool) -> None:
    """ap — Analytic Programming: parallel objectives with proven-disjoint, enforced scopes."""
    if directory is not None:
        if not directory.is_dir():
            raise ApError(
                f"-C {directory}: no such directory", hint="ap -C PATH COMMAND, PATH a folder"
            )
        app.cwd = directory.resolve()
    app.verbose = verbose


# -- init ------------------------------------------------------------------


@cli.command()
@click.option("--github", is_flag=True, help="Also write the GitHub Action's workflows.")
@click.option(
    "--ap-requirement",
    metavar="REQUIREMENT",
    help="What the workflows pip-install for ap (default: this ap's repository, pinned).",
)
@json_option
@pass_app
def init(app: App, github: bool, ap_requirement: str | None) -> int:
    """Set up ap here: ap.yaml, state folders, the AGENTS.md boot section."""
    from ap.init import init_repository

    git = app.git()
    result = init_repository(git.root, github=github, requirement=ap_requirement)
    if result.changed:
        message = "initialised ap: " + ", ".join([*result.created, *result.updated])
    else:
        message = "ap is already initialised here; nothing changed"
    for warning in result.warnings:
        message += f"\nwarning: {warning}"
    app.emit(
        event(
            "phase_complete",
            "init",
            message=message,
            created=result.created,
            updated=result.updated,
        )
    )
    return 0


# -- analyse and plan ------------------------------------------------------


def _load_config(git: Any) -> Any:
    from ap.config import load_config

    return load_config(git.root)


def _with_analyst(config: Any, analyst: str | None) -> Any:
    if analyst is None:
        return config
    chosen = config.analyst.model_copy(update={"kind": analyst})
    return config.model_copy(update={"analyst": chosen})


ANALYSTS = click.Choice(["heuristic", "anthropic", "openai", "command"])


@cli.command()
@click.argument("request")
@click.option("--dry-run", is_flag=True, help="Print the analysis; write nothing.")
@click.option("--analyst", type=ANALYSTS, help="Override ap.yaml's analyst.")
@json_option
@pass_app
def analyze(app: App, request: str, dry_run: bool, analyst: str | None) -> int:
    """The analytic phase only: REQUEST → docs/analyses/ANALYSIS_<id>.md."""
    from ap import pipeline

    git = app.git()
    config = _with_analyst(_load_config(git), analyst)
    _require_text(request)
    report, _ = pipeline.run_analysis(git, config, request, emit=app.emit)
    pipeline.finish(git, config, report, None, emit=app.emit, dry_run=dry_run)
    if not app.json:
        from ap import views

        app.out(views.render_markdown("analysis", report))
    return 0


def _require_text(request: str) -> None:
    if not request.strip():
        raise ApError("the request is empty", hint='ap plan "what you want done"')


@cli.command()
@click.argument("request", required=False)
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take the objectives from a YAML file instead of analysing a request.",
)
@click.option("--dry-run", is_flag=True, help="Print the analysis and plan; write nothing.")
@click.option(
    "--allow",
    multiple=True,
    metavar="PATTERN",
    help="Let objectives touch this globally forbidden path in this plan (recorded).",
)
@click.option("--analyst", type=ANALYSTS, help="Override ap.yaml's analyst.")
@json_option
@pass_app
def plan(
    app: App,
    request: str | None,
    from_file: Path | None,
    dry_run: bool,
    allow: tuple[str, ...],
    analyst: str | None,
) -> int:
    """Analyse REQUEST (or read --from FILE) and write the Coordination Plan."""
    from ap import pipeline
    from ap.models import Source

    if (request is None) == (from_file is None):
        raise ApError(
            "give either a REQUEST or --from FILE",
            hint='ap plan "Add JWT authentication"  or  ap plan --from objectives.yaml',
        )
    git = app.git()
    config = _with_analyst(_load_config(git), analyst)
    if from_file is not None:
        from ap.plan.spec import load_objectives_file

        spec = load_objectives_file(from_file)
        text = spec.request or from_file.stem
        source = Source(kind="file", ref=str(from_file))
        app.emit(event("phase_start", "analysis", title="Analysis (objectives given)"))
        analysis = pipeline.given_analysis(git, config, text, spec.objectives, source)
        pipeline.emit_analysis(app.emit, analysis)
        specs = list(spec.objectives)
    else:
        assert request is not None
        _require_text(request)
        analysis, specs = pipeline.run_analysis(git, config, request, emit=app.emit)
    built = pipeline.make_plan(git, config, analysis, specs, emit=app.emit, allow=allow)
    pipeline.finish(git, config, analysis, built, emit=app.emit, dry_run=dry_run)
    return 0


@cli.command()
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@json_option
@pass_app
def validate(app: App, plan_ref: str | None) -> int:
    """Re-check a plan: exit 0 when valid, 1 with every violation listed.

    The draft in the working tree until the plan starts; then the plan on its
    integration branch. Says which copy it checked.
    """
    from ap.plan.recheck import recheck

    git = app.git()
    done = recheck(git, _load_config(git), plan_ref)
    plan_id, result = done.plan.id, done.result
    app.emit(
        event(
            "scope_validated",
            "validate",
            plan_id=plan_id,
            scope_validation=result,
            checked=done.copy.where,
            started=done.copy.started,
        )
    )
    if done.note is not None:
        app.emit(event("message", "validate", level="warning", message=done.note))
    if not result.valid:
        from ap.errors import PlanInvalid

        count = len(result.violations)
        raise PlanInvalid(f"plan {plan_id} breaks {count} rule(s) (checked {done.checked})")
    message = f"plan {plan_id} is valid (checked {done.checked})"
    app.emit(event("phase_complete", "validate", message=message))
    return 0


@cli.command()
@click.argument("plan_ref", metavar="PLAN")
@click.argument("task")
@json_option
@pass_app
def prompt(app: App, plan_ref: str, task: str) -> int:
    """Print the worker prompt of TASK in PLAN (AP prompt format)."""
    from ap.artifacts import Artifacts
    from ap.plan.prompt import worker_prompt
    from ap.store import Store

    git = app.git()
    config = _load_config(git)
    store = Store(git.root, config.state_dir)
    _, current = Artifacts(git, config).plan(plan_ref)  # a started plan: its branch's copy
    text = worker_prompt(current, task, report_path=store.session_relpath(current.id, task))
    if app.json:
        app.emit(event("prompt", "prompt", plan_id=current.id, task=task, prompt=text))
    else:
        app.out(text)
    return 0


# -- execution ---------------------------------------------------------------


@cli.command()
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@click.option("--wave", type=click.IntRange(min=1), help="The wave to start (default: the next).")
@json_option
@pass_app
def start(app: App, plan_ref: str | None, wave: int | None) -> int:
    """Create the integration branch and the objective branches of a wave."""
    from ap.run.start import start as start_wave

    git, config, plan_id = app.plan(plan_ref)
    result = start_wave(git, config, plan_id, wave=wave, emit=app.emit)
    app.emit(
        event(
            "phase_complete",
            "execution",
            message=result.describe(),
            plan_id=plan_id,
            wave=result.wave,
            started=result.started,
            blocked=result.blocked,
            created_branches=result.created_branches,
        )
    )
    return 0


@cli.command("check-scope")
@click.option("--staged", is_flag=True, help="Check what the index would commit (the hook).")
@click.option("--range", "rev_range", metavar="A..B", help="Check the change from A to B.")
@click.option("--branch", metavar="NAME", help="Check an objective branch's whole change.")
@json_option
@pass_app
def check_scope(app: App, staged: bool, rev_range: str | None, branch: str | None) -> int:
    """Refuse changes outside the objective's scope (exit 1); silent off objective branches."""
    from ap.errors import ScopeViolation
    from ap.run import enforce
    from ap.run.hookcheck import HINT

    if sum([staged, rev_range is not None, branch is not None]) != 1:
        raise ApError(
            "give exactly one of --staged, --range A..B or --branch NAME",
            hint="ap check-scope --staged  (what the pre-commit hook runs)",
        )
    git = app.git()
    settings = enforce.Settings.load(git.root)
    if rev_range is not None:
        old, new = _asked_range(git, settings, rev_range)
        outcome = enforce.check_range(git, settings, old, new)
    elif branch is not None:
        _asked_branch(git, settings, branch)
        outcome = enforce.check_branch(git, settings, branch)
    else:
        outcome = enforce.check_staged(git, settings)
    if outcome is None:
        return 0
    violations = [
        {"path": v.path, "reason": v.reason, "pattern": v.pattern} for v in outcome.violations
    ]
    app.emit(
        event(
            "scope_checked",
            "check",
            plan_id=outcome.scope.plan_id,
            task=outcome.scope.task,
            branch=outcome.branch,
            ok=outcome.ok,
            paths=len(outcome.changes),
            violations=violations,
            scope_touch=list(outcome.scope.touch),
        )
    )
    if not outcome.ok:
        raise ScopeViolation(outcome.describe(), hint=HINT)
    return 0


def _objective_pattern(settings: Any) -> str:
    return f"{settings.branch_prefix}<plan-id>/<task-id>"


def _asked_branch(git: Any, settings: Any, branch: str) -> None:
    """``--branch NAME`` names an existing objective branch (the hook's silence is for
    commits on other branches; a branch asked for by name is checked or refused)."""
    from ap.errors import UsageError

    listing = f"`git branch --list '{settings.branch_prefix}*'` lists the objective branches"
    if git.rev_parse(f"refs/heads/{branch}") is None:
        raise UsageError(f"--branch {branch!r}: there is no such branch here", hint=listing)
    if settings.branches.parse_objective(branch) is None:
        raise UsageError(
            f"--branch {branch!r} is not an objective branch of a plan: they are named "
            f"{_objective_pattern(settings)}",
            hint=f"ap check-scope --branch {_objective_pattern(settings)}; {listing}",
        )


def _asked_range(git: Any, settings: Any, rev_range: str) -> tuple[str, str]:
    """``--range A..B``: two commits, checked against the current objective branch's scope."""
    from ap.errors import UsageError

    old, sep, new = rev_range.partition("..")
    if not sep or not old or not new or new.startswith("."):
        raise UsageError(
            f"--range {rev_range!r} is not of the form A..B",
            hint="e.g. ap check-scope --range main..HEAD",
        )
    for rev in (old, new):
        if rev.startswith("-") or git.rev_parse(rev) is None:
            raise UsageError(
                f"--range {rev_range!r}: {rev!r} names no commit here",
                hint="give two commits, branches or tags, e.g. ap check-scope --range main..HEAD",
            )
    current = git.current_branch()
    if settings.branches.parse_objective(current) is None:
        raise UsageError(
            "--range checks a change against the scope of the objective checked out, but "
            f"{current or 'HEAD (detached)'} is not an objective branch "
            f"({_objective_pattern(settings)})",
            hint="switch to the objective's branch first, or check a branch's whole change "
            "with ap check-scope --branch NAME",
        )
    return old, new


@cli.group()
def hook() -> None:
    """Install or remove the pre-commit hook that runs the scope check."""


@hook.command("install")
@json_option
@pass_app
def hook_install(app: App) -> int:
    """Install the scope hook (an existing pre-commit hook is chained, not replaced)."""
    from ap.run import hooks

    result = hooks.install(app.git())
    app.emit(event("phase_complete", "hook", message=result.describe(), path=str(result.path)))
    return 0


@hook.command("uninstall")
@json_option
@pass_app
def hook_uninstall(app: App) -> int:
    """Remove the scope hook and put back the hook it chained."""
    from ap.run import hooks

    result = hooks.uninstall(app.git())
    app.emit(event("phase_complete", "hook", message=result.describe(), path=str(result.path)))
    return 0


@cli.command()
@click.option("-m", "--message", "summary", default="", help="A summary for the commit and report.")
@click.option("--no-change", is_flag=True, help="Submit an explicit no-change report.")
@click.option("--worker", help="Who did the work (recorded in the report).")
@json_option
@pass_app
def submit(app: App, summary: str, no_change: bool, worker: str | None) -> int:
    """On an objective branch: check the scope, commit the work and report, mark it done."""
    from ap.run.enforce import Settings
    from ap.run.submit import submit as submit_work

    git = app.git()
    result = submit_work(
        git, Settings.load(git.root), summary=summary, no_change=no_change, worker=worker
    )
    app.emit(
        event(
            "objective_finished",
            "execution",
            message=f"submitted {result.outcome.scope.task} on {result.branch} "
            f"({result.status}); commit {result.commit[:12]}",
            plan_id=result.outcome.scope.plan_id,
            task=result.outcome.scope.task,
            status=result.status,
            commit=result.commit,
        )
    )
    return 0


@cli.command()
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@click.option("--worker", help="Run every objective with this worker (a team name or a preset).")
@click.option("--parallel", type=click.IntRange(min=1), help="At most N workers at once.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    callback=_timer_seconds,
    help="Seconds per objective.",
)
@json_option
@pass_app
def run(
    app: App, plan_ref: str | None, worker: str | None, parallel: int | None, timeout: float | None
) -> int:
    """Run every wave with the team's workers, merge each, then accomplish."""
    from ap.run.execute import run_plan

    git, config, plan_id = app.plan(plan_ref)
    with app.background() as emit:
        outcome = run_plan(
            git, config, plan_id, worker=worker, parallel=parallel, timeout=timeout, emit=emit
        )
    failed = outcome.failed
    summary = f"plan {plan_id}: {len(outcome.merges)} wave(s) merged in this run" + (
        f"; failed: {', '.join(failed)}" if failed else ""
    )
    app.emit(event("phase_complete", "execution", message=summary, ok=not failed, failed=failed))
    return 1 if failed else 0


@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create the sample repository (default: a new temporary folder).",
)
@json_option
@pass_app
def demo(app: App, folder: Path | None) -> int:
    """The whole cycle on a throwaway repository with the script worker (no API key)."""
    from ap.demo import demo as run_demo

    with app.background() as emit:
        outcome = run_demo(folder, emit=emit)
    integration = f"ap/{outcome.plan_id}/integration"
    app.emit(
        event(
            "message",
            "demo",
            message=(
                f"done. Look at it:\n  cd {outcome.repo}\n  ap status\n"
                f"  git log --oneline --graph {integration}\n"
                f"  git show {integration}:docs/accomplishments/ACCOMPLISHMENT_{outcome.plan_id}.md"
            ),
            repo=str(outcome.repo),
            plan_id=outcome.plan_id,
            ok=not outcome.run.failed,
            failed=outcome.run.failed,
        )
    )
    if outcome.run.failed:  # the sample is meant to succeed: say so loudly when it did not
        raise CheckFailed(
            f"the demo's objectives {', '.join(outcome.run.failed)} failed",
            hint="their reasons are in the table above and in `ap status` in the sample",
        )
    return 0


@cli.group()
def scope() -> None:
    """Scope requests of running objectives."""


@scope.command("request")
@click.argument("task")
@click.argument("pattern")
@click.option("--why", required=True, help="Why the objective needs the path (recorded).")
@click.option("--plan", "plan_ref", metavar="PLAN", help="The plan (default: this branch's).")
@json_option
@pass_app
def scope_request(app: App, task: str, pattern: str, why: str, plan_ref: str | None) -> int:
    """Ask for PATTERN for TASK: granted when it collides with nothing, refused (exit 1) if not."""
    from ap.run.scoperequest import request_scope

    git, config, plan_id = app.plan(plan_ref)
    grant = request_scope(git, config, plan_id, task, pattern, why)
    app.emit(
        event(
            "scope_granted",
            "execution",
            message=f"granted {grant.pattern} to {task} of {plan_id}",
            plan_id=plan_id,
            task=task,
            pattern=grant.pattern,
            why=grant.why,
        )
    )
    return 0


@cli.command("mcp")
@pass_app
def mcp_server(app: App) -> int:
    """Serve this objective's tools to its worker over MCP (stdio): scope, checks, requests."""
    from ap.mcp.server import serve

    serve(app.cwd)
    return 0


@cli.command()
@click.argument("task")
@click.option("--worker", help="Run it with this worker this time.")
@click.option("--plan", "plan_ref", metavar="PLAN", help="The plan (default: the latest).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    callback=_timer_seconds,
    help="Seconds per objective.",
)
@json_option
@pass_app
def retry(
    app: App, task: str, worker: str | None, plan_ref: str | None, timeout: float | None
) -> int:
    """Run a failed objective again (a fresh branch), then the rest of the plan."""
    from ap.run.execute import run_plan
    from ap.run.runlock import holding, lock_path
    from ap.run.scoperequest import reset_for_retry

    git, config, plan_id = app.plan(plan_ref)
    # held from before the reset to the end of the run: a running plan is never changed
    with holding(lock_path(git.git_dir(), plan_id), plan_id, doing="`ap retry`"):
        branch = reset_for_retry(git, config, plan_id, task)
        app.emit(event("message", "execution", message=f"retrying {task} on a fresh {branch}"))
        overrides = {task: worker} if worker else None
        with app.background() as emit:
            outcome = run_plan(
                git, config, plan_id, timeout=timeout, emit=emit, overrides=overrides
            )
    failed = outcome.failed
    app.emit(
        event(
            "phase_complete",
            "execution",
            message=f"retry of {task}: " + ("failed: " + ", ".join(failed) if failed else "merged"),
            ok=not failed,
        )
    )
    return 1 if failed else 0


@cli.command("merge-wave")
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@click.option("--wave", type=click.IntRange(min=1), help="The wave to merge (default: the next).")
@json_option
@pass_app
def merge_wave(app: App, plan_ref: str | None, wave: int | None) -> int:
    """Check, fold and gate a wave's branches; one merge commit on the integration branch."""
    from ap.run.merge import merge_wave as merge

    git, config, plan_id = app.plan(plan_ref)
    app.emit(event("phase_start", "merge", title=f"Merge wave of {plan_id}"))
    outcome = merge(git, config, plan_id, wave=wave, emit=app.emit)
    app.emit(
        event(
            "phase_complete",
            "merge",
            message=outcome.describe(),
            ok=not outcome.failed,
            plan_id=plan_id,
            wave=outcome.wave,
            merged=outcome.merged,
            failed=outcome.failed,
            blocked=outcome.blocked,
            commit=outcome.commit,
        )
    )
    return 1 if outcome.failed else 0


@cli.command()
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@json_option
@pass_app
def accomplish(app: App, plan_ref: str | None) -> int:
    """Write the Accomplishment Report and the accomplishment commit."""
    from ap.run.accomplish import accomplish as finish_plan

    git, config, plan_id = app.plan(plan_ref)
    outcome = finish_plan(git, config, plan_id, emit=app.emit)
    if outcome.already:
        app.emit(event("phase_complete", "accomplishment", message=outcome.describe()))
    return 0


@cli.command()
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@click.option("--watch", is_flag=True, help="Follow the plan until it ends (Ctrl-C to stop).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.2),
    callback=_timer_seconds,
    default=2.0,
    show_default=True,
)
@json_option
@pass_app
def status(app: App, plan_ref: str | None, watch: bool, interval: float) -> int:
    """Waves, objectives, statuses, branches and elapsed time of a plan."""
    import time

    from ap.run.status import plan_status

    git, config, plan_id = app.plan(plan_ref)
    if watch and not app.json and not plain_wanted(sys.stdout):
        from rich.console import Console

        from ap import console_views
        from ap.text import for_terminal

        def look() -> tuple[str, bool]:
            view = plan_status(git, config, plan_id)
            return for_terminal(view.text()), view.finished

        console_views.follow(Console(file=sys.stdout, highlight=False), look, interval)
        return 0
    last = None
    while True:
        view = plan_status(git, config, plan_id)
        if app.json:
            app.emit(view.event())
        elif view.text() != last:
            last = view.text()
            app.out(last + ("\n" if watch else ""))
        if not watch or view.finished:
            return 0
        time.sleep(interval)


# -- show / list -------------------------------------------------------------


@cli.command()
@click.argument("ref", required=False)
@click.option(
    "--kind",
    type=click.Choice(["plan", "analysis", "accomplishment"]),
    help="Which kind of artifact REF names (default: plan, then analysis, then accomplishment).",
)
@json_option
@pass_app
def show(app: App, ref: str | None, kind: str | None) -> int:
    """Show an artifact: markdown, or JSON with --json. REF: id, id prefix, path or latest plan."""
    from ap import views

    git = app.git()
    found_kind, artifact = views.find_artifact(git, ref, kind)
    if app.json:
        app.emit(event("artifact", "show", kind=found_kind, **{found_kind: artifact}))
    else:
        app.out(views.render_markdown(found_kind, artifact))
    return 0


@cli.command(name="list")
@json_option
@pass_app
def list_artifacts(app: App) -> int:
    """List analyses, plans (with status) and accomplishments."""
    from ap import views

    git = app.git()
    listing = views.listing(git)
    if app.json:
        app.emit(event("artifacts", "list", **listing))
    else:
        app.out(views.listing_text(listing))
    return 0


# -- github ---------------------------------------------------------------


@cli.group()
def github() -> None:
    """Entry points of ap's GitHub Action."""


@github.command("handle")
@click.option("--resume", "resume", metavar="PLAN", help="Advance PLAN, whatever the event.")
@click.option(
    "--dispatch",
    metavar="WORKFLOW",
    help="Dispatch this workflow file again when work no run has claimed is left.",
)
@click.option(
    "--claim-work", is_flag=True, help="Claim the objectives waiting for work (the matrix)."
)
@click.option(
    "--people",
    is_flag=True,
    help="People do the work: `--dispatch` only when a merge waits for its gates.",
)
@click.option(
    "--no-merge", is_flag=True, help="Leave a wave ready to merge to a later job (`--resume`)."
)
@click.option(
    "--gate-verdict",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Merge with this verdict of the gates (written by `ap github gates`).",
)
@json_option
@pass_app
def github_handle(
    app: App,
    resume: str | None,
    dispatch: str | None,
    claim_work: bool,
    people: bool,
    no_merge: bool,
    gate_verdict: Path | None,
) -> int:
    """Handle the Action's event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH): one idempotent step."""
    from ap.github.handle import run_action

    runner = None
    if gate_verdict is not None and resume is not None:
        from ap.github.verdict import load_verdict, replaying

        runner = replaying(load_verdict(gate_verdict), resume)
    result = run_action(
        app.git(),
        os.environ,
        emit=app.emit,
        resume=resume,
        dispatch=dispatch,
        claim=claim_work,
        gate_runner=runner,
        merge=not no_merge,
        agents=not people,
    )
    app.emit(
        event(
            "phase_complete",
            "github",
            message=result.message,
            step=result.step,
            plan_id=result.plan_id,
            matrix=result.matrix,
        )
    )
    return 0


@github.command("mirror")
@json_option
@pass_app
def github_mirror(app: App) -> int:
    """Local ap branches at origin's tips, from the checkout's remote-tracking branches."""
    from ap.config import load_config
    from ap.github.remote import mirror_plans

    git = app.git()
    mirror_plans(git, load_config(git.root).branch_prefix)
    return 0


@github.command("handover")
@click.argument("plan")
@click.argument("task")
@click.option("--agent-exit", type=int, required=True, help="The agent command's exit code.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True)
@json_option
@pass_app
def github_handover(app: App, plan: str, task: str, agent_exit: int, out: Path) -> int:
    """In the agent's job: submit its work and write the handover (and bundle) into OUT."""
    from ap.config import load_config
    from ap.github.handover import hand_over

    git = app.git()
    done = hand_over(
        git, load_config(git.root), plan, task, agent_exit=agent_exit, out=out, emit=app.emit
    )
    app.emit(event("phase_complete", "github", message=f"{task}: {done.status}"))
    return 0


@github.command("take-over")
@click.argument("plan")
@click.option("--matrix", "matrix_json", required=True, help="The work matrix (JSON).")
@click.option("--from", "folder", type=click.Path(path_type=Path, file_okay=False), required=True)
@json_option
@pass_app
def github_take_over(app: App, plan: str, matrix_json: str, folder: Path) -> int:
    """In a job that may push: push the agents' handed-over work, or mark it failed."""
    from ap.github.handle import make_handler
    from ap.github.handover import take_over, tasks_of
    from ap.github.remote import fetch_plans

    handler = make_handler(app.git(), os.environ, emit=app.emit)
    fetch_plans(handler.git, handler.config.branch_prefix)
    notes = take_over(handler, plan, tasks_of(matrix_json, plan), folder)
    app.emit(event("phase_complete", "github", message="; ".join(notes) or "no work"))
    return 0


@github.command("gates")
@click.argument("plan")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@json_option
@pass_app
def github_gates(app: App, plan: str, out: Path) -> int:
    """In a job without a token: run the gates on PLAN's next wave; write their verdict."""
    from ap.config import load_config
    from ap.github.remote import mirror_plans
    from ap.github.verdict import record_verdict

    git = app.git()
    config = load_config(git.root)
    mirror_plans(git, config.branch_prefix)
    record_verdict(git, config, plan, out, emit=app.emit)
    return 0


# -- the error boundary -----------------------------------------------------


def _log_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ap" / "ap.log"


def _write_crash_log(exc: BaseException) -> Path | None:
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"### {datetime.now(timezone.utc).isoformat()} ap {__version__}\n")
            handle.write(f"argv: {sys.argv!r}\n")
            import traceback

            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
            handle.write("\n")
    except OSError:
        return None
    return path


def _report(app: App, message: str, hint: str | None, code: int) -> None:
    click.echo(f"error: {message}", file=sys.stderr)
    if hint:
        click.echo(f"hint: {hint}", file=sys.stderr)
    if app.json:
        ev = event("error", "cli", message=message, hint=hint, exit_code=code)
        sys.stdout.write(to_json(ev) + "\n")
        sys.stdout.flush()


def _file_system_mistake(exc: BaseException) -> tuple[str, str] | None:
    """A path the user can fix (a file where ap needs a folder, permissions, a full disk):
    its message and hint; None for any other error."""
    import errno

    fixable = {
        errno.ENOTDIR: "a file stands where ap needs a folder",
        errno.EEXIST: "a file stands where ap needs a folder",
        errno.EISDIR: "a folder stands where ap needs a file",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.ENAMETOOLONG: "the name is too long",
    }
    if not isinstance(exc, OSError) or exc.errno not in fixable or exc.filename is None:
        return None
    path = os.fsdecode(exc.filename)
    return (
        f"cannot use {path}: {fixable[exc.errno]}",
        f"move, remove or fix the permissions of {path}, then run the command again",
    )


def _unexpected(app: App, exc: Exception) -> int:
    """Report an exception ap has no error for: a fixable path (exit 2), or our bug (exit 3)."""
    mistake = _file_system_mistake(exc)
    if mistake is not None:
        _report(app, *mistake, EXIT_USAGE)
        return EXIT_USAGE
    log = _write_crash_log(exc)
    where = f"; the traceback is in {log}" if log else ""
    _report(app, f"internal error: {type(exc).__name__}: {exc}{where}", None, EXIT_INTERNAL)
    return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Run ap; map every failure to a message and an exit code (DESIGN.md §8)."""
    # What is loaded by now (modules, classes, pydantic's schemas) lives until exit:
    # the collector need not walk it, during the run or at exit (~50 ms less per run).
    gc.freeze()
    app = App()
    code: int
    previous = _stop_on_termination()
    try:
        rv = cli.main(args=argv, prog_name="ap", standalone_mode=False, obj=app)
        code = rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as exc:
        code = int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except ApError as exc:
        _report(app, exc.message, exc.hint, exc.exit_code)
        code = exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: anything else is our bug
        code = _unexpected(app, exc)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _stop_on_termination() -> dict[int, Any]:
    """SIGTERM (a CI job cancelled, a service stopped) and SIGHUP (the terminal closed)
    stop ap as Ctrl-C does: workers killed, worktrees removed, resumable. The handlers
    they replace, to be put back; an ignored signal stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    return {
        signum: signal.signal(signum, interrupt)
        for signum in (signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(signum) is not signal.SIG_IGN  # (`nohup ap run` stays immune)
    }
