"""What the Action writes on GitHub about a plan: the status comment, the PR and the summary.

Everything that came from an issue (the request, objective titles the analyst
derived from it) goes through :func:`escape_markdown` or :func:`mermaid_label`;
ap's own values (ids, branch names, statuses) are validated ids. No line starts
with ``/ap``, so ap's comments are never read back as commands.
"""

from __future__ import annotations

from collections.abc import Sequence

from ap.core.models import CoordinationPlan, ObjectiveStatus, PlanStatus
from ap.core.render import md_code, mermaid_label
from ap.core.text import clean_text
from ap.github.outputs import escape_markdown
from ap.run.start import next_wave

TITLE_LIMIT = 120
REQUEST_LIMIT = 1500
PR_TITLE_LIMIT = 100


def _title(text: str) -> str:
    return escape_markdown(text, limit=TITLE_LIMIT, inline=True)


def waves_table(plan: CoordinationPlan) -> str:
    """The objectives wave by wave, as a markdown table."""
    rows = ["| Wave | Objective | Title | Status | Branch |", "|---:|---|---|---|---|"]
    for number, wave in enumerate(plan.waves, start=1):
        for task in wave:
            objective = plan.objective(task)
            if objective is None:
                continue
            branch = md_code(objective.branch) if objective.branch else "—"
            rows.append(
                f"| {number} | {objective.id} | {_title(objective.title)} "
                f"| {objective.status.value} | {branch} |"
            )
    return "\n".join(rows)


def mermaid_graph(plan: CoordinationPlan) -> str:
    """The waves and dependencies as a fenced mermaid graph."""
    lines = ["```mermaid", "graph LR"]
    for number, wave in enumerate(plan.waves, start=1):
        lines.append(f'  subgraph W{number}["Wave {number}"]')
        for task in wave:
            objective = plan.objective(task)
            title = clean_text(objective.title if objective else task)[:TITLE_LIMIT]
            lines.append(f'    {task}["{task}: {mermaid_label(title)}"]')
        lines.append("  end")
    lines += [f"  {d} --> {o.id}" for o in plan.objectives for d in o.depends_on]
    lines.append("```")
    return "\n".join(lines)


def next_step(plan: CoordinationPlan, accomplished: bool) -> str:
    """What happens next, in one sentence."""
    if plan.status == PlanStatus.CANCELLED:
        return "This plan is cancelled; nothing more will run."
    unmerged = [o for o in plan.objectives if o.status != ObjectiveStatus.MERGED]
    if accomplished and not unmerged:
        return "Every wave is merged and the accomplishment is committed; the PR is ready."
    if accomplished:
        what = "; ".join(
            f"{o.id} {o.status.value}"
            + (
                f" ({escape_markdown(o.status_reason, limit=200, inline=True)})"
                if o.status_reason
                else ""
            )
            for o in unmerged
        )
        return (
            f"The plan ended, but not every objective merged: {what}. The pull request stays a"
            " draft; a writer comments `/ap retry TASK` to try a failed objective again."
        )
    if plan.status == PlanStatus.PLANNED:
        return "To start wave 1, a writer comments `/ap approve` (or `/ap cancel`)."
    wave = next_wave(plan)
    if wave is None:
        return "Every wave has ended; the accomplishment comes next."
    waiting = [
        o.id
        for o in plan.objectives
        if o.wave == wave and o.status in (ObjectiveStatus.RUNNING, ObjectiveStatus.DONE)
    ]
    return f"Wave {wave} is running: push each objective's work (`ap submit`) to its branch" + (
        f" ({', '.join(waiting)})." if waiting else "."
    )


def status_body(
    plan: CoordinationPlan, *, accomplished: bool = False, notes: Sequence[str] = ()
) -> str:
    """The status comment of ``plan`` (the marker line is added by the API)."""
    request = escape_markdown(plan.request, limit=REQUEST_LIMIT).replace("\n", "\n> ")
    parts = [
        f"### ap plan {md_code(plan.id)}",
        "",
        f"> {request}",
        "",
        f"**Status:** {plan.status.value} · {len(plan.objectives)} objective(s) "
        f"in {len(plan.waves)} wave(s) · integration branch {md_code(plan.integration_branch)}",
        "",
        waves_table(plan),
        "",
        mermaid_graph(plan),
        "",
        next_step(plan, accomplished),
    ]
    parts += ["", *(f"- {escape_markdown(n, limit=600, inline=True)}" for n in notes)]
    return "\n".join(parts).rstrip("\n") + "\n"


def pull_request_title(plan: CoordinationPlan) -> str:
    """``ap: <first line of the request>`` as plain text (titles are not rendered)."""
    first = " ".join(clean_text(plan.request).split())
    if len(first) > PR_TITLE_LIMIT:
        first = first[: PR_TITLE_LIMIT - 1] + "…"
    return f"ap: {first}" if first else f"ap: plan {plan.id}"


def pull_request_body(plan: CoordinationPlan, issue: int | None) -> str:
    """The draft PR's description: where the plan came from and its waves."""
    origin = f"Planned from issue #{issue}." if issue is not None else "Planned by ap."
    return (
        f"{origin} The plan is `{plan.id}`; each wave is merged here by ap.\n\n"
        + waves_table(plan)
        + "\n"
    )
