"""The root command group: options every command shares (-C, -v, --json)."""

from __future__ import annotations

from pathlib import Path

import click

from ap import __version__
from ap.cli.app import App, json_option, pass_app
from ap.core.errors import ApError


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
