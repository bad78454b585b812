"""The accomplishment's report and managed sections, from what the workers answered.

`ap run` with a scripted worker: T1 gives a Change Summary (with limitations), T2 a
Failure Report, T3 is blocked; the report shows each summary, the known issues and
the next steps, and README/PRD/AGENTS get their sections, inside the markers only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ap.core.models import (
    AccomplishmentReport,
    ChangeSummary,
    CoordinationPlan,
    KnownIssue,
    Objective,
    ObjectiveOutcome,
    ObjectiveStatus,
    ScopeGrant,
)
from ap.run.docsync import SECTIONS, sections_for
from ap.state.sections import markers, read_section
from tests.run.conftest import Flow, planned_flow
from tests.run.test_integrity import _verify_from_scratch
from tests.run.test_responses import SUMMARY, WORKER

OBJECTIVES = """\
request: Add JWT authentication
objectives:
  - id: T1
    title: Token module
    scope_touch: [src/auth/]
    acceptance: ["tokens are issued and verified"]
  - id: T2
    title: API routes
    scope_touch: [src/api/]
    acceptance: ["a login route returns a token"]
  - id: T3
    title: Tests
    scope_touch: [tests/]
    depends_on: [T1, T2]
    integration_points: ["calls auth.jwt.issue(user)"]
"""

README = "# shop\n\nA shop.\n"
PRD_BEFORE = "# Requirements\n\nThe owner's words.\n\n"
PRD_AFTER = "\n\n## Later\n\nMore of the owner's words.\n"
PRD = f"{PRD_BEFORE}<!-- ap:requirements -->\n<!-- /ap:requirements -->{PRD_AFTER}"
FILES = {
    "README.md": README,
    "PRD.md": PRD,
    "src/auth/jwt.py": "def issue(user):\n    return user\n",
    "src/api/routes.py": "ROUTES = []\n",
}
FAILURE = "Tried hard.\n\n### Failure Report\nthe API schema is frozen until v2\n"


def answering_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, **env: str
) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys, OBJECTIVES, FILES)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 4\n"
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return flow


def _outside(text: str, section: str) -> tuple[str, str]:
    start, end = markers(section)
    assert text.count(start) == 1 and text.count(end) == 1, text
    return text[: text.index(start)], text[text.index(end) + len(end) :]


def test_the_report_and_sections_say_what_each_worker_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = answering_flow(
        tmp_path, capsys, monkeypatch, RESPONSE_T1=SUMMARY, RESPONSE_T2=FAILURE, CHANGE_T2="no"
    )
    agents_before = (flow.root / "AGENTS.md").read_text()
    code, _, err = flow.ap("run")
    assert code == 1, err  # T2 failed, T3 blocked: accomplished, partly
    tip = flow.integration
    report = flow.show(tip, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    for said in (
        "- Changed: src/auth/jwt.py issues tokens",
        "- Proposed commit: feat(auth): issue JWT tokens",
        "- Tests: 12 passed; lint: clean",
        "- Limitations: no refresh tokens yet",
        f"- Files: docs/sessions/{flow.plan_id}/T1.md, src/auth/new.py",
        "## Known issues",
        "- T1 limitation: no refresh tokens yet",
        "- T2 failed: the worker reported failure: the API schema is frozen until v2",
        "- T3 blocked: depends on T2",
        "## Next steps",
        "- T2: run ap retry T2",
        "- T3: not merged; it runs when T2 merge",
    ):
        assert said in report, (said, report)

    readme = flow.show(tip, "README.md")
    before, after = _outside(readme, "accomplishments")
    assert (before.rstrip("\n") + "\n", after) == (README, "\n")
    section = read_section(readme, "accomplishments") or ""
    assert f"Add JWT authentication (1/3 objectives merged; plan `{flow.plan_id}`" in section
    assert "\n  - src/auth/jwt.py issues tokens" in section

    prd = flow.show(tip, "PRD.md")
    assert _outside(prd, "requirements") == (PRD_BEFORE, PRD_AFTER)  # byte for byte
    section = read_section(prd, "requirements") or ""
    assert section.startswith(f"- [ ] Add JWT authentication (plan `{flow.plan_id}`")
    assert "  - [x] T1: tokens are issued and verified" in section
    assert "  - [ ] T2: a login route returns a token (not done: failed)" in section
    assert "  - [ ] T3: Tests (not done: blocked)" in section

    agents = flow.show(tip, "AGENTS.md")
    assert agents.startswith(agents_before.rstrip("\n"))  # (its boot section, as it was)
    section = read_section(agents, "learnings") or ""
    assert "  - T1 limitation: no refresh tokens yet" in section
    assert "  - T2 failed: the worker reported failure: the API schema is frozen" in section
    assert "  - contract T1 → T3: calls auth.jwt.issue(user)" in section
    _verify_from_scratch(flow)  # the accomplishment passes the integrity check


HOSTILE = (
    "# pwned <!-- /ap:accomplishments --> <!-- ap:learnings --> <!-- /ap:requirements -->"
    "\x1b]0;title\x07\x1b[31mred ``` [x](javascript:alert(1)) <script>\u202e|cell|"
)


def test_a_hostile_change_summary_breaks_no_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = (
        "### Change Summary\n"
        f"- What changed: {HOSTILE}\n- Proposed commit: {HOSTILE}\n"
        f"- Limitations: {HOSTILE}\n"
    )
    failure = f"### Failure Report\nbecause {HOSTILE}\n"
    flow = answering_flow(
        tmp_path, capsys, monkeypatch, RESPONSE_T1=summary, RESPONSE_T2=failure, CHANGE_T2="no"
    )
    code, _, err = flow.ap("run")
    assert code == 1, err  # (T2 failed, T3 blocked)
    for name, section in SECTIONS.items():
        text = flow.show(flow.integration, name)
        for other in SECTIONS.values():  # each marker once (or not at all), in order
            start, end = markers(other)
            assert text.count(start) == text.count(end) <= 1, (name, text)
        content = read_section(text, section) or ""
        assert "<!--" not in content and "\x1b" not in content and "\u202e" not in content
        assert "\n#" not in content and "<script>" not in content
        assert name == "PRD.md" or "\\# pwned &lt;\\!-- /ap:accomplishments" in content
        assert all(line.startswith(("- ", "  - ")) for line in content.splitlines()), content
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    body = report.split("\n---\n", 1)[1]
    assert "\n# pwned" not in body and "<!--" not in body and "\x1b" not in body
    assert "\\# pwned &lt;\\!-- /ap:accomplishments --&gt;" in body
    _verify_from_scratch(flow)


# -- the sections alone ----------------------------------------------------

PIECES = ["<!--", "-->", " ap:", "/ap:", "accomplishments", "learnings", "\n", "\r", "#", "`"]
ANY_TEXT = st.lists(
    st.sampled_from(PIECES) | st.text(st.characters(blacklist_categories=("Cs",)), max_size=4),
    max_size=12,
).map("".join)


def _report(
    request: str, changed: str, reason: str
) -> tuple[AccomplishmentReport, CoordinationPlan]:
    plan = CoordinationPlan(
        id="20260101-x",
        request=request,
        objectives=[
            Objective(id="T1", title=changed, acceptance=[reason]),
            Objective(id="T2", title="b", status=ObjectiveStatus.FAILED, status_reason=reason),
        ],
        grants=[ScopeGrant(task="T1", pattern=changed or "x", why=reason)],
    )
    report = AccomplishmentReport(
        id=plan.id,
        plan_id=plan.id,
        request=request,
        objectives=[
            ObjectiveOutcome(
                id="T1",
                title=changed,
                status=ObjectiveStatus.MERGED,
                change_summary=ChangeSummary(changed=changed, limitations=reason),
            ),
            ObjectiveOutcome(id="T2", title="b", status=ObjectiveStatus.FAILED, reason=reason),
        ],
        known_issues=[KnownIssue(kind="failed", objective="T2", text=reason)],
    )
    return report, plan


@settings(max_examples=150, deadline=None)
@given(before=ANY_TEXT, after=ANY_TEXT, request=ANY_TEXT, changed=ANY_TEXT, reason=ANY_TEXT)
def test_sections_are_idempotent_and_leave_the_rest_alone(
    before: str, after: str, request: str, changed: str, reason: str
) -> None:
    report, plan = _report(request, changed, reason)
    texts: dict[str, str | None] = {}
    for name, section in SECTIONS.items():
        start, end = markers(section)
        # the owner's text around an (old) section, markers of its own kept out of it
        outside = [t.replace("<!--", "<!- -") for t in (before, after)]
        texts[name] = f"{outside[0]}\n{start}\n- old entry\n{end}\n{outside[1]}"
    once = sections_for(texts, report, plan, "docs/r.md")
    assert set(once) == set(SECTIONS)  # (each has an entry for this plan)
    twice = sections_for({n: t.decode() for n, t in once.items()}, report, plan, "docs/r.md")
    assert twice == {}  # written again: no change at all
    for name, section in SECTIONS.items():
        old, new = texts[name] or "", once[name].decode()
        assert _outside(new, section) == _outside(old, section)  # byte for byte
        content = read_section(new, section) or ""
        assert "<!--" not in content and content.endswith("- old entry")
