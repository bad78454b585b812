"""`ap github ...`: the entry points of ap's GitHub Action."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ap.cli.app import App, json_option, pass_app
from ap.cli.root import cli
from ap.core.events import event

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
    from ap.core.config import load_config
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
    from ap.core.config import load_config
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
    from ap.core.config import load_config
    from ap.github.remote import mirror_plans
    from ap.github.verdict import record_verdict

    git = app.git()
    config = load_config(git.root)
    mirror_plans(git, config.branch_prefix)
    record_verdict(git, config, plan, out, emit=app.emit)
    return 0
