"""`check-scope`: the scope check the hook and people run."""

from __future__ import annotations

from typing import Any

import click

from ap.cli.app import App, json_option, pass_app
from ap.cli.root import cli
from ap.core.errors import ApError
from ap.core.events import event


@cli.command("check-scope")
@click.option("--staged", is_flag=True, help="Check what the index would commit (the hook).")
@click.option("--range", "rev_range", metavar="A..B", help="Check the change from A to B.")
@click.option("--branch", metavar="NAME", help="Check an objective branch's whole change.")
@json_option
@pass_app
def check_scope(app: App, staged: bool, rev_range: str | None, branch: str | None) -> int:
    """Refuse changes outside the objective's scope (exit 1); silent off objective branches."""
    from ap.core.errors import ScopeViolation
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
    from ap.core.errors import UsageError

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
    from ap.core.errors import UsageError

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
