"""The analytic phase and the plan: `analyze`, `plan`, `validate`, `prompt`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ap.cli.app import App, json_option, pass_app, repo_config
from ap.cli.root import cli
from ap.core.errors import ApError
from ap.core.events import event


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
    from ap.plan import pipeline

    git = app.git()
    config = _with_analyst(repo_config(git), analyst)
    _require_text(request)
    report, _ = pipeline.run_analysis(git, config, request, emit=app.emit)
    pipeline.finish(git, config, report, None, emit=app.emit, dry_run=dry_run)
    if not app.json:
        from ap.console import views

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
@click.option(
    "--contract-first",
    is_flag=True,
    help="Write the files of the named contracts first, in an objective all others depend on.",
)
@json_option
@pass_app
def plan(
    app: App,
    request: str | None,
    from_file: Path | None,
    dry_run: bool,
    allow: tuple[str, ...],
    analyst: str | None,
    contract_first: bool,
) -> int:
    """Analyse REQUEST (or read --from FILE) and write the Coordination Plan."""
    from ap.core.models import Source
    from ap.plan import pipeline

    if (request is None) == (from_file is None):
        raise ApError(
            "give either a REQUEST or --from FILE",
            hint='ap plan "Add JWT authentication"  or  ap plan --from objectives.yaml',
        )
    git = app.git()
    config = _with_analyst(repo_config(git), analyst)
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
    if contract_first:
        from ap.plan.contractfirst import contract_first as interfaces_first

        specs = interfaces_first(specs, case_sensitive=config.case_sensitive_scopes)
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
    done = recheck(git, repo_config(git), plan_ref)
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
        from ap.core.errors import PlanInvalid

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
    from ap.plan.prompt import worker_prompt
    from ap.state.artifacts import Artifacts
    from ap.state.store import Store

    git = app.git()
    config = repo_config(git)
    store = Store(git.root, config.state_dir)
    _, current = Artifacts(git, config).plan(plan_ref)  # a started plan: its branch's copy
    text = worker_prompt(current, task, report_path=store.session_relpath(current.id, task))
    if app.json:
        app.emit(event("prompt", "prompt", plan_id=current.id, task=task, prompt=text))
    else:
        app.out(text)
    return 0
