"""The managed sections the accomplishment writes, one idea per file:

- README.md ``<!-- ap:accomplishments -->``: what you can now do, newest first;
- PRD.md ``<!-- ap:requirements -->``: each request's requirements (its objectives'
  acceptance), checked when done, with the plan id;
- AGENTS.md ``<!-- ap:learnings -->``: for the next agents, what failed and why, the
  scope grants, the contracts, the limitations.

A section is a list of entries, one per plan (a top-level ``- `` line and its indented
lines), bounded; a plan's entry replaces its earlier one, so writing it again gives the
same bytes. Only files that exist are updated; text outside the markers is never
touched. Every piece of text from a request, a worker or an issue goes through
:func:`ap.core.render.md_inline`: one line, inert markdown, no comment or marker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ap.core.models import AccomplishmentReport, CoordinationPlan, ObjectiveStatus
from ap.core.render import md_inline
from ap.state.sections import read_section, update_section

SECTIONS = {"README.md": "accomplishments", "PRD.md": "requirements", "AGENTS.md": "learnings"}
KEEP = {"README.md": 10, "PRD.md": 30, "AGENTS.md": 20}  # plans kept in each section
LINES_PER_ENTRY = 25  # lines of one plan's entry (its first line included)

Entry = list[str]


def sections_for(
    texts: dict[str, str | None],
    report: AccomplishmentReport,
    plan: CoordinationPlan,
    report_path: str,
) -> dict[str, bytes]:
    """The managed files that exist (in ``texts``) whose section changes, new content."""
    builders: dict[str, Callable[[], Entry]] = {
        "README.md": lambda: readme_entry(report, report_path),
        "PRD.md": lambda: prd_entry(report, plan),
        "AGENTS.md": lambda: agents_entry(report, plan),
    }
    files: dict[str, bytes] = {}
    for name, section in SECTIONS.items():
        text = texts.get(name)
        if text is None:
            continue
        old = read_section(text, section)
        content = merged(old, report.plan_id, builders[name](), KEEP[name])
        if old is None and not content:
            continue  # nothing to say, and no section yet: the file stays as it is
        after = update_section(text, section, content, where=name)
        if after != text:
            files[name] = after.encode()
    return files


def merged(old: str | None, plan_id: str, entry: Entry, keep: int) -> str:
    """The section's content: ``entry`` first, then the other plans' entries, ``keep`` in all."""
    tag = f"`{plan_id}`"
    others = [e for e in entries(old or "") if tag not in e[0]]
    kept = ([entry[:LINES_PER_ENTRY]] if entry else []) + others
    return "\n".join(line for e in kept[:keep] for line in e)


def entries(content: str) -> list[Entry]:
    """A section's entries: each starts at an unindented line, indented lines follow it."""
    found: list[Entry] = []
    for line in content.splitlines():
        if not line.strip():
            continue
        if line[0].isspace() and found:
            found[-1].append(line)
        else:
            found.append([line])
    return found


def _request(report: AccomplishmentReport) -> str:
    return md_inline((report.request.strip().splitlines() or [report.plan_id])[0], 160)


def readme_entry(report: AccomplishmentReport, report_path: str) -> Entry:
    """What the user can now do: the request, and what each merged objective changed."""
    merged = [o for o in report.objectives if o.status == ObjectiveStatus.MERGED]
    if not merged:
        return []
    day = report.created_at.date().isoformat()
    total = len(report.objectives)
    head = (
        f"- {day}: {_request(report)} ({len(merged)}/{total} objectives merged; "
        f"plan `{report.plan_id}`, [report]({report_path}))"
    )
    lines = [head]
    for o in merged:
        said = o.change_summary.changed if o.change_summary else ""
        lines.append(f"  - {md_inline(said or o.title)}")
    return lines


def prd_entry(report: AccomplishmentReport, plan: CoordinationPlan) -> Entry:
    """The request as a requirement, done when every objective merged, and each objective's
    acceptance (its title when it has none) checked when it merged."""
    status = {o.id: o.status for o in report.objectives}
    done = all(s == ObjectiveStatus.MERGED for s in status.values())
    day = report.created_at.date().isoformat()
    lines = [f"- [{'x' if done else ' '}] {_request(report)} (plan `{report.plan_id}`, {day})"]
    for o in plan.objectives:
        state = status.get(o.id, o.status)
        mark = "x" if state == ObjectiveStatus.MERGED else " "
        after = "" if state == ObjectiveStatus.MERGED else f" (not done: {state.value})"
        for requirement in o.acceptance or [o.title]:
            lines.append(f"  - [{mark}] {o.id}: {md_inline(requirement, 200)}{after}")
    return lines


def agents_entry(report: AccomplishmentReport, plan: CoordinationPlan) -> Entry:
    """What the next agents should know (empty: nothing to learn from this plan)."""
    learned = list(_learnings(report, plan))
    if not learned:
        return []
    day = report.created_at.date().isoformat()
    return [f"- plan `{report.plan_id}` ({day}): {_request(report)}", *learned]


def _learnings(report: AccomplishmentReport, plan: CoordinationPlan) -> Iterator[str]:
    for issue in report.known_issues:
        who = f"{md_inline(issue.objective)} " if issue.objective else ""
        kind = issue.kind.replace("_", " ")
        yield f"  - {who}{kind}: {md_inline(issue.text, 200)}"
    for grant in plan.grants:
        yield (
            f"  - {md_inline(grant.task)} was granted {md_inline(grant.pattern, 120)}: "
            f"{md_inline(grant.why, 200)}"
        )
    for contract in plan.integration_contracts:
        yield (
            f"  - contract {md_inline(contract.provider)} → {md_inline(contract.consumer)}: "
            f"{md_inline(contract.description, 200)}"
        )
