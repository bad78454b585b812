"""The command line: parse → call core → render. The one error boundary of ap.

Click is imported here and nowhere else. Commands are thin: they call typed core
functions that return data and emit events, and return an exit code.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from ap import __version__
from ap.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, ApError
from ap.events import ConsoleRenderer, Emit, JsonLinesRenderer, event, to_json

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

    def git(self) -> Any:
        from ap.git import Git

        return Git.discover(self.cwd)

    def out(self, text: str) -> None:
        """Human output: stdout normally, stderr under --json (stdout is events only)."""
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
            raise ApError(f"-C {directory}: no such directory")
        app.cwd = directory.resolve()
    app.verbose = verbose


# -- init ------------------------------------------------------------------


@cli.command()
@json_option
@pass_app
def init(app: App) -> int:
    """Set up ap here: ap.yaml, state folders, the AGENTS.md boot section."""
    from ap.init import init_repository

    git = app.git()
    result = init_repository(git.root)
    if result.changed:
        message = "initialised ap: " + ", ".join([*result.created, *result.updated])
    else:
        message = "ap is already initialised here; nothing changed"
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
    """Re-check a (hand-edited) plan: exit 0 when valid, 1 with every violation listed."""
    from ap.plan.validate import validate_plan
    from ap.store import Store

    git = app.git()
    config = _load_config(git)
    store = Store(git.root, config.state_dir)
    current = store.load_plan(plan_ref)
    must_change: list[str] = []
    if current.analysis_id and current.analysis_id in store.ids("analysis"):
        analysis = store.load_analysis(current.analysis_id)
        must_change = [c.path for c in analysis.candidate_files if c.must_change]
    result = validate_plan(
        current, case_sensitive=config.case_sensitive_scopes, must_change=must_change
    )
    app.emit(event("scope_validated", "validate", plan_id=current.id, scope_validation=result))
    if not result.valid:
        from ap.errors import PlanInvalid

        raise PlanInvalid(f"plan {current.id} breaks {len(result.violations)} rule(s)")
    app.emit(event("phase_complete", "validate", message=f"plan {current.id} is valid"))
    return 0


@cli.command()
@click.argument("plan_ref", metavar="PLAN")
@click.argument("task")
@json_option
@pass_app
def prompt(app: App, plan_ref: str, task: str) -> int:
    """Print the worker prompt of TASK in PLAN (AP prompt format)."""
    from ap.plan.prompt import worker_prompt
    from ap.store import Store

    git = app.git()
    config = _load_config(git)
    store = Store(git.root, config.state_dir)
    current = store.load_plan(plan_ref)
    text = worker_prompt(current, task, report_path=store.session_relpath(current.id, task))
    if app.json:
        app.emit(event("prompt", "prompt", plan_id=current.id, task=task, prompt=text))
    else:
        app.out(text)
    return 0


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
    found_kind, artifact = views.find_artifact(git.root, ref, kind)
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
    listing = views.listing(git.root)
    if app.json:
        app.emit(event("artifacts", "list", **listing))
    else:
        app.out(views.listing_text(listing))
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


def main(argv: list[str] | None = None) -> int:
    """Run ap; map every failure to a message and an exit code (DESIGN.md §8)."""
    app = App()
    code: int
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
        log = _write_crash_log(exc)
        where = f"; the traceback is in {log}" if log else ""
        _report(app, f"internal error: {type(exc).__name__}: {exc}{where}", None, EXIT_INTERNAL)
        code = EXIT_INTERNAL
    return code
