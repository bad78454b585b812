"""Running a plan: `start`, `submit`, `run`, `scope request`, `retry`, `merge-wave`,
`accomplish`."""

from __future__ import annotations

import click

from ap.cli.app import App, json_option, pass_app, timer_seconds
from ap.cli.root import cli
from ap.core.events import event

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
    callback=timer_seconds,
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


@cli.command()
@click.argument("task")
@click.option("--worker", help="Run it with this worker this time.")
@click.option("--plan", "plan_ref", metavar="PLAN", help="The plan (default: the latest).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    callback=timer_seconds,
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
