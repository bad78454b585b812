"""Reading the state: `status`, `show`, `list`."""

from __future__ import annotations

import sys

import click

from ap.cli.app import App, json_option, pass_app, timer_seconds
from ap.cli.root import cli
from ap.console.renderers import plain_wanted
from ap.core.events import event


@cli.command()
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@click.option("--watch", is_flag=True, help="Follow the plan until it ends (Ctrl-C to stop).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.2),
    callback=timer_seconds,
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

        from ap.console import live as console_views
        from ap.core.text import for_terminal

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
    from ap.console import views

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
    from ap.console import views

    git = app.git()
    listing = views.listing(git)
    if app.json:
        app.emit(event("artifacts", "list", **listing))
    else:
        app.out(views.listing_text(listing))
    return 0
