"""The worker prompt in the AP prompt format (DESIGN.md §5)."""

from __future__ import annotations

from ap.errors import PlanInputError
from ap.models import CoordinationPlan, Objective

FIRST_LINE = "#! Codex agent prompt"


def _one_line(text: str) -> str:
    """A header value can never start another header line: newlines become spaces."""
    return " ".join(text.split())


def _csv(items: list[str]) -> str:
    return ",".join(_one_line(i) for i in items) or "none"


def _bullets(items: list[str]) -> list[str]:
    return [f"- {_one_line(i)}" for i in items] or ["- none"]


def _context(plan: CoordinationPlan, o: Objective) -> list[str]:
    items = [
        f"Request: {plan.request}",
        f"Plan {plan.id}, objective {o.id} of {len(plan.objectives)}",
    ]
    if o.description:
        items.append(o.description)
    for c in plan.integration_contracts:
        if c.consumer == o.id:
            provider = plan.objective(c.provider)
            title = provider.title if provider else c.provider
            items.append(f"{c.provider} ({title}) is merged before you start: {c.description}")
    if o.scope_read:
        items.append("Read for context: " + ", ".join(o.scope_read))
    return items


def worker_prompt(plan: CoordinationPlan, task_id: str, *, report_path: str) -> str:
    """The prompt a worker (agent CLI or person) receives for objective ``task_id``."""
    o = plan.objective(task_id)
    if o is None:
        ids = ", ".join(x.id for x in plan.objectives)
        raise PlanInputError(
            f"plan {plan.id} has no objective {task_id!r}", hint=f"objectives: {ids}"
        )
    lines = [
        FIRST_LINE,
        f"TASK_ID={o.id}",
        f"WAVE={o.wave}",
        f"DEPENDS_ON={_csv(o.depends_on)}",
        f"AGENT_TYPE={_one_line(o.agent)}",
        f"COMPLEXITY={o.complexity.value}",
        f"TITLE={_one_line(o.title)}",
        f"SCOPE_TOUCH={_csv(o.scope_touch)}",
        f"SCOPE_READ={_csv(o.scope_read)}",
        f"SCOPE_FORBID={_csv(o.scope_forbid)}",
        "",
        "CONTEXT:",
        *_bullets(_context(plan, o)),
        "",
        "INTEGRATION_POINTS:",
        *_bullets(o.integration_points),
        "",
        "CONSTRAINTS:",
        *_bullets(
            [
                "Edit only paths covered by SCOPE_TOUCH (gitignore globs anchored at the "
                "repository root; a directory covers everything below it).",
                "Never touch a path covered by SCOPE_FORBID; it is refused at commit and at merge.",
                "Do not run git: ap commits your work.",
                *o.constraints,
            ]
        ),
        "",
        "ACCEPTANCE:",
        *_bullets(o.acceptance or [f"{o.title} is done, and the project's checks pass."]),
        "",
        "DELIVERABLES:",
        *_bullets(
            [
                "The changes inside SCOPE_TOUCH.",
                f"A report at {report_path} whose response ends with exactly one "
                "`### Change Summary` section.",
                "If you cannot meet the acceptance criteria, write a `### Failure Report` "
                "there instead.",
            ]
        ),
        "",
        "NOTES:",
        *_bullets(
            [
                "If you need a path outside your scope, stop and say so in your report.",
            ]
        ),
    ]
    return "\n".join(lines) + "\n"
