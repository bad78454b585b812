"""One effective scope per objective: what the prompt tells the worker, what the plan as
JSON shows, what the hook and the merge check enforce (read from the plan file as the
hook reads it) are the same touch, read and forbid, for any plan."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ap.core.frontmatter import load_front_matter
from ap.core.ids import STATE_FOLDERS
from ap.core.models import CoordinationPlan, Objective, ScopeGrant
from ap.plan.prompt import worker_prompt
from ap.run.enforce import ObjectiveScope, Settings
from ap.state.store import KINDS, to_markdown

PATTERNS = st.sampled_from(
    ["src/", "src/a.py", "docs/", "tests/**/*.py", ".github/workflows/", "x", "lib/*.c", "docs/"]
)
IDS = [f"T{i}" for i in range(1, 6)]


@st.composite
def plans(draw: st.DrawFn) -> CoordinationPlan:
    count = draw(st.integers(1, len(IDS)))
    objectives = [
        Objective(
            id=task,
            title=f"objective {task}",
            wave=draw(st.integers(1, 3)),
            scope_touch=draw(st.lists(PATTERNS, min_size=1, max_size=3, unique=True)),
            scope_read=draw(st.lists(PATTERNS, max_size=2, unique=True)),
            scope_forbid=draw(st.lists(PATTERNS, max_size=2, unique=True)),
        )
        for task in IDS[:count]
    ]
    grants = [
        ScopeGrant(task=task, pattern=pattern, why="asked")
        for task, pattern in draw(st.lists(st.tuples(st.sampled_from(IDS), PATTERNS), max_size=3))
    ]
    return CoordinationPlan(
        id="20260101-plan",
        objectives=objectives,
        grants=grants,
        global_forbid=draw(st.lists(PATTERNS, max_size=3, unique=True)),
    )


def _line(prompt: str, key: str) -> list[str]:
    value = next(line for line in prompt.splitlines() if line.startswith(f"{key}="))
    text = value.partition("=")[2]
    return [] if text == "none" else text.split(",")


def _as_the_hook_reads_it(plan: CoordinationPlan) -> dict[str, Any]:
    text = to_markdown(plan, template=KINDS["plan"].template)
    return load_front_matter(text, where="PLAN.md")


@settings(max_examples=150, deadline=None)
@given(plan=plans())
def test_prompt_json_hook_and_merge_see_one_scope(plan: CoordinationPlan) -> None:
    data = _as_the_hook_reads_it(plan)
    public = {o["id"]: o for o in plan.public_data()["objectives"]}
    state = {f"docs/{name}/" for name in STATE_FOLDERS}
    for objective in plan.objectives:
        granted = [g.pattern for g in plan.grants if g.task == objective.id]
        touch = list(dict.fromkeys([*objective.scope_touch, *granted]))
        forbid = public[objective.id]["scope_forbid"]
        assert forbid == plan.forbid_of(objective)
        hook = ObjectiveScope.from_plan(data, objective.id, Settings())
        assert list(hook.touch) == touch
        assert hook.guarded == tuple(dict.fromkeys(plan.global_forbid))
        assert set(hook.forbid) | set(hook.guarded) == set(forbid) | state
        prompt = worker_prompt(plan, objective.id, report_path="r.md")
        assert _line(prompt, "SCOPE_TOUCH") == touch
        assert _line(prompt, "SCOPE_READ") == objective.scope_read
        assert _line(prompt, "SCOPE_FORBID") == forbid
