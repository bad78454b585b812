"""Setting ap up in a repository: `init`, the scope hook, the demo, the MCP server."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ap.cli.app import App, json_option, pass_app
from ap.cli.root import cli
from ap.core.errors import CheckFailed
from ap.core.events import event

if TYPE_CHECKING:
    from ap.setup.demo import DemoOutcome

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
    from ap.setup.init import init_repository

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
    from ap.setup.demo import demo as run_demo

    with app.background() as emit:
        outcome = run_demo(folder, emit=emit)
    follow = outcome.follow_up
    app.emit(
        event(
            "message",
            "demo",
            message=demo_summary(outcome),
            repo=str(outcome.repo),
            plan_id=outcome.plan_id,
            ok=not outcome.run.failed,
            failed=outcome.run.failed,
            notes=outcome.notes,
            analysis_id=follow.analysis.id if follow else None,
            learned_from=follow.learned_from if follow else [],
            raised=follow.raised if follow else [],
        )
    )
    if outcome.run.failed:  # the sample is meant to succeed: say so loudly when it did not
        raise CheckFailed(
            f"the demo's objectives {', '.join(outcome.run.failed)} failed",
            hint="their reasons are in the table above and in `ap status` in the sample",
        )
    return 0


def demo_summary(outcome: DemoOutcome) -> str:
    """What the demo did, and where to look in the sample."""
    follow = outcome.follow_up
    integration = f"ap/{outcome.plan_id}/integration"
    # Once main holds the plan (the second request needs it), its files are in the work tree.
    look = (lambda path: path) if follow else (lambda path: f"git show {integration}:{path}")
    lines = [
        f"done. Look at it:\n  cd {outcome.repo}\n  ap status",
        f"  git log --oneline --graph {integration}",
        f"  {look(f'docs/accomplishments/ACCOMPLISHMENT_{outcome.plan_id}.md')}"
        "\n      the workers' change summaries, the contracts kept, known issues, next steps",
        *(f"  {look(note)}\n      the note left in the root, filed" for note in outcome.notes),
    ]
    if follow is None:
        return "\n".join(lines)
    raised = ", ".join(follow.raised[:4]) + (", ..." if len(follow.raised) > 4 else "")
    cited = f"learned from plan {', '.join(follow.learned_from)}" if follow.learned_from else ""
    lines += [
        "  README.md, PRD.md, AGENTS.md\n      the sections ap keeps (main now holds the plan, "
        "merged as its pull request would be)",
        f"second request, {follow.analysis.request!r}, analysed with the heuristic analyst:",
        f"  {cited or 'it cites no past plan'}" + (f": it raised {raised}" if raised else ""),
        f"  ap show {follow.analysis.id}\n      the analysis "
        f"({follow.path.relative_to(outcome.repo).as_posix()}); "
        f"{len(follow.proposed)} objective(s) proposed",
        f"  ap plan {shlex.quote(follow.analysis.request)} --dry-run",
    ]
    return "\n".join(lines)


@cli.command("mcp")
@pass_app
def mcp_server(app: App) -> int:
    """Serve this objective's tools to its worker over MCP (stdio): scope, checks, requests."""
    from ap.mcp.server import serve

    serve(app.cwd)
    return 0
