"""The worker prompt in the AP prompt format (docs/DESIGN.md §5).

The header is ``KEY=value`` lines that tools parse, so every value is forced
onto one line: a title with a newline in it cannot smuggle in another key.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.core.errors import PlanInputError
from ap.core.models import CoordinationPlan, IntegrationContract, Objective, ObjectiveStatus

FIRST_LINE = "#! Codex agent prompt"


def _one_line(text: str) -> str:
    """Newlines (and every other kind of line break) become single spaces."""
    return " ".join(text.split())


def _csv(items: Sequence[str]) -> str:
    return ",".join(_one_line(i) for i in items) or "none"


def _section(name: str, items: Sequence[str]) -> list[str]:
    return ["", f"{name}:", *(f"- {_one_line(i)}" for i in items or ["none"])]


def _context(plan: CoordinationPlan, o: Objective) -> list[str]:
    items = [
        f"Request: {plan.request}",
        f"Plan {plan.id}: objective {o.id} of {len(plan.objectives)}, "
        f"wave {o.wave} of {len(plan.waves)}.",
    ]
    if o.description:
        items.append(o.description)
    for c in plan.integration_contracts:
        if c.consumer == o.id:
            provider = plan.objective(c.provider)
            title = f" ({provider.title})" if provider else ""
            items.append(f"{c.provider}{title} is merged before you start; from it: {_uses(c)}")
    for d in o.depends_on:
        dep = plan.objective(d)
        if dep is not None and dep.status == ObjectiveStatus.NO_CHANGE:
            items.append(f"{d} finished with no change: {dep.status_reason or 'nothing said'}")
    peers = [p for p in plan.objectives if p.wave == o.wave and p.id != o.id]
    if peers:
        names = ", ".join(f"{p.id} ({p.title})" for p in peers)
        items.append(f"Working at the same time, on other paths: {names}.")
    if o.scope_read:
        items.append("Read for context: " + ", ".join(o.scope_read))
    return items


def _uses(c: IntegrationContract) -> str:
    """What a consumer may use of a contract."""
    if c.symbol is None:
        return c.description
    return f"you may use `{c.symbol}` (checked to exist when it merged): {c.description}"


def _provides(c: IntegrationContract) -> str:
    """What a provider must provide: a named contract is checked after its wave merges."""
    if c.symbol is None:
        return f"{c.consumer} builds on your work and expects: {c.description}"
    who = f"{c.consumer} relies on it" if c.consumer else "you promised it"
    return (
        f"You must provide `{c.symbol}` ({who}): {c.description}. It is checked on the "
        "merged tree after your wave; without it your objective fails and is not merged."
    )


def _integration(plan: CoordinationPlan, o: Objective) -> list[str]:
    items = list(o.integration_points)
    for c in plan.integration_contracts:
        if c.provider == o.id:
            items.append(_provides(c))
    return list(dict.fromkeys(items))


def _constraints(o: Objective) -> list[str]:
    return [
        "Edit only paths covered by SCOPE_TOUCH (gitignore globs anchored at the repository "
        "root; a directory covers everything below it). You may read anything.",
        "Never touch a path covered by SCOPE_FORBID: such a change is refused at commit and "
        "at merge.",
        "Do not run git — ap commits your work.",
        *o.constraints,
    ]


# The three responses ap reads (ap/run/response.py parses them; a test holds them to it).
CHANGE_SUMMARY_EXAMPLE = """\
### Change Summary
- What changed: <the files and what each change does, or why nothing needed to change>
- Proposed commit: <a Conventional Commit subject, e.g. feat(auth): issue tokens>
- Tests: <what you ran and its result>
- Lint: <what you ran and its result>
- Limitations: <what is left, or none>"""

FAILURE_REPORT_EXAMPLE = """\
### Failure Report
<what stops you from meeting the acceptance criteria, in one paragraph>
<then, after an empty line, what you tried>"""

BLOCKED_EXAMPLE = """\
STATUS=BLOCKED
REQUESTED_SCOPE_ADDITION=<pattern>,<pattern>
REASON=<one line: why the objective needs them>"""


def _deliverables(report_path: str) -> list[str]:
    return [
        "The changes, inside SCOPE_TOUCH.",
        f"Your response, written to {report_path} (the one file outside SCOPE_TOUCH you may "
        "write; or printed last on stdout), ending with exactly one `### Change Summary` "
        "section in the format below. Changing nothing is a valid outcome: say "
        "why under `What changed`.",
        "If you cannot meet the acceptance criteria, end it with a `### Failure Report` "
        "instead: what blocked you and what you tried.",
        "If you need paths outside SCOPE_TOUCH, reply BLOCKED instead, naming them: ap asks "
        "for them and, if granted, runs you again on your branch with them in your scope.",
    ]


def _formats() -> list[str]:
    """The response formats as bullets, each block verbatim below it (indented, so a
    block's lines stay intact and none of them starts a header or a section)."""
    lines: list[str] = []
    for name, block in (
        ("when it is done (or nothing needed changing)", CHANGE_SUMMARY_EXAMPLE),
        ("when you cannot meet the acceptance criteria", FAILURE_REPORT_EXAMPLE),
        ("when you need paths outside SCOPE_TOUCH (globs, comma-separated)", BLOCKED_EXAMPLE),
    ):
        lines += [f"- The response {name}:", *(f"    {line}" for line in block.splitlines())]
    return lines


def worker_prompt(plan: CoordinationPlan, task_id: str, *, report_path: str) -> str:
    """The prompt a worker (agent CLI or person) receives for objective ``task_id``."""
    o = plan.objective(task_id)
    if o is None:
        ids = ", ".join(x.id for x in plan.objectives) or "none"
        raise PlanInputError(
            f"plan {plan.id} has no objective {task_id!r}", hint=f"its objectives: {ids}"
        )
    scope = plan.scope_of(o)  # what the hook and the merge check will hold it to
    lines = [
        FIRST_LINE,
        f"TASK_ID={_one_line(o.id)}",
        f"WAVE={o.wave}",
        f"DEPENDS_ON={_csv(o.depends_on)}",
        f"AGENT_TYPE={_one_line(o.agent)}",
        f"COMPLEXITY={o.complexity.value}",
        f"TITLE={_one_line(o.title)}",
        f"SCOPE_TOUCH={_csv(scope.touch)}",  # (with the scope granted to it)
        f"SCOPE_READ={_csv(scope.read)}",
        f"SCOPE_FORBID={_csv(scope.forbid)}",
        *_section("CONTEXT", _context(plan, o)),
        *_section("INTEGRATION_POINTS", _integration(plan, o)),
        *_section("CONSTRAINTS", _constraints(o)),
        *_section(
            "ACCEPTANCE", o.acceptance or [f"{o.title}: done, and the project's checks pass."]
        ),
        *_section("DELIVERABLES", _deliverables(report_path)),
        *_formats(),
        *_section(
            "NOTES",
            [
                "If you need a path outside your scope, stop and reply BLOCKED (see "
                "DELIVERABLES): don't edit it.",
                "Keep the change focused on this objective; other objectives cover the rest.",
            ],
        ),
    ]
    return "\n".join(lines) + "\n"
