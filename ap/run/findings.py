"""What an accomplishment says beyond its numbers: each worker's Change Summary, the
known issues it leaves, and the next steps.

Everything a worker wrote is data: parsed by :mod:`ap.run.response`, kept as one
cleaned line per field; it is escaped where it is shown (the report's template, the
managed sections), never here.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.core.errors import ApError
from ap.core.models import (
    ChangeSummary,
    CoordinationPlan,
    GateResult,
    KnownIssue,
    ObjectiveOutcome,
    ObjectiveStatus,
    ScopeViolationRecord,
)
from ap.core.text import clean_text
from ap.run.response import parse_response

FIELD_LIMIT = 300  # characters kept of one field of a worker's summary
REFUSED = "; refused: "  # how a refused scope request ends a failure reason (attempt.py)


def one_line(text: str, limit: int = FIELD_LIMIT) -> str:
    """``text`` cleaned, on one line, clipped to ``limit`` characters."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in clean_text(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def change_summary(text: str, plan_id: str, task: str, where: str) -> ChangeSummary | None:
    """The Change Summary of the worker report ``text`` (None: it holds none)."""
    from ap.run.submit import parse_report

    try:
        report = parse_report(text, plan_id, task, where)
    except ApError:
        return None  # a broken report: the objective's commits say what changed
    said = parse_response(report.response or report.change_summary)
    if said.kind != "summary" and report.change_summary:
        said = parse_response(f"### Change Summary\n{report.change_summary}")
    fields = said.fields if said.kind == "summary" else {}
    changed = fields.get("changed") or report.summary or _first_line(said.change_summary)
    if not (changed or fields):
        return None
    return ChangeSummary(
        changed=one_line(changed),
        commit=one_line(fields.get("commit", "")),
        tests=one_line(fields.get("tests", "")),
        lint=one_line(fields.get("lint", "")),
        limitations=one_line(fields.get("limitations", "")),
    )


def _first_line(text: str) -> str:
    lines = [x.strip(" -*") for x in text.strip().splitlines() if x.strip(" -*")]
    return lines[0] if lines else ""


def known_issues(
    outcomes: Sequence[ObjectiveOutcome],
    gates: Sequence[GateResult],
    violations: Sequence[ScopeViolationRecord],
) -> list[KnownIssue]:
    """Limitations the workers named, failures and blocks with their reasons, failed
    gates and the scope violations caught, in that order."""
    issues: list[KnownIssue] = []
    for o in outcomes:
        said = o.change_summary
        if said is not None and said.limitations and not _nothing(said.limitations):
            issues.append(KnownIssue(kind="limitation", objective=o.id, text=said.limitations))
    for o in outcomes:
        if o.status in (ObjectiveStatus.FAILED, ObjectiveStatus.BLOCKED):
            why = one_line(o.reason or "no reason was recorded")
            kind = "failed" if o.status == ObjectiveStatus.FAILED else "blocked"
            issues.append(KnownIssue(kind=kind, objective=o.id, text=why))
    for g in gates:
        if not g.passed:
            wave = f" on wave {g.wave}" if g.wave else ""
            code = f" (exit {g.exit_code})" if g.exit_code is not None else ""
            text = one_line(f"gate {g.name} failed{wave}{code}: {g.command}")
            issues.append(KnownIssue(kind="gate", text=text))
    for v in violations:
        text = one_line(f"changed {v.path} outside its scope: {v.reason}")
        issues.append(KnownIssue(kind="scope_violation", objective=v.task, text=text))
    return issues


def _nothing(text: str) -> bool:
    """A limitation that says there is none."""
    return text.strip(" .!").lower() in {"none", "n/a", "na", "no", "nothing", "-", "none known"}


def next_steps(plan: CoordinationPlan) -> list[str]:
    """What to do about each objective that did not merge: retry a failure (after a refused
    scope request, change the plan first); a blocked one runs once what it waits for merges."""
    steps: list[str] = []
    for o in plan.objectives:
        reason = o.status_reason or ""
        if o.status == ObjectiveStatus.FAILED and REFUSED in reason:
            steps.append(
                f"{o.id}: its scope request was refused ({one_line(reason.split(REFUSED, 1)[1])}); "
                f"give the work a scope of its own in a new plan, or run ap retry {o.id} "
                "without it"
            )
        elif o.status == ObjectiveStatus.FAILED:
            steps.append(f"{o.id}: run ap retry {o.id} (it failed: {one_line(reason, 160)})")
        elif o.status == ObjectiveStatus.BLOCKED:
            holders = [d for d in o.depends_on if _stuck(plan, d)] or o.depends_on
            steps.append(
                f"{o.id}: not merged; it runs when {', '.join(holders) or 'its dependencies'} "
                "merge (ap retry them)"
            )
        elif o.status != ObjectiveStatus.MERGED:
            steps.append(f"{o.id}: not merged ({o.status.value}); ap run continues the plan")
    return steps


def _stuck(plan: CoordinationPlan, task: str) -> bool:
    objective = plan.objective(task)
    return objective is not None and objective.status != ObjectiveStatus.MERGED
