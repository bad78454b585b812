"""Golden-file snapshots of the rendered artifacts (set AP_UPDATE_GOLDEN=1 to rewrite)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ap.core.models import (
    AccomplishmentReport,
    AnalysisReport,
    CandidateFile,
    ChangeSummary,
    Conflict,
    ContractCheck,
    CoordinationPlan,
    CoordinationPoint,
    DiffStat,
    GateResult,
    IntegrationContract,
    KnownIssue,
    Model,
    Objective,
    ObjectiveOutcome,
    ObjectiveStatus,
    PastContract,
    PastFailure,
    PastGrant,
    PastPlanCitation,
    ScopeValidation,
    Source,
)
from ap.core.render import md_cell, md_code, mermaid_label
from ap.state.store import to_markdown

GOLDEN = Path(__file__).parent / "golden"
WHEN = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)


def sample_plan() -> CoordinationPlan:
    return CoordinationPlan(
        id="20261125-add-jwt-auth",
        analysis_id="20261125-add-jwt-auth",
        request="Add JWT authentication",
        source=Source(kind="issue", ref="42"),
        created_at=WHEN,
        base_commit="0123456789abcdef0123456789abcdef01234567",
        integration_branch="ap/20261125-add-jwt-auth/integration",
        objectives=[
            Objective(
                id="T1",
                title='Tokens "issue | check"',
                wave=1,
                scope_touch=["src/auth/"],
            ),
            Objective(
                id="T2",
                title="Login endpoint",
                wave=1,
                scope_touch=["src/api/"],
                scope_forbid=["src/api/legacy/"],  # its own: the rest is derived
            ),
            Objective(
                id="T3",
                title="Wire it up",
                wave=2,
                depends_on=["T1", "T2"],
                scope_touch=["src/app.py", "src/auth/__init__.py"],
                integration_points=["imports auth.issue_token"],
                status=ObjectiveStatus.RUNNING,
                branch="ap/20261125-add-jwt-auth/T3",
            ),
        ],
        waves=[["T1", "T2"], ["T3"]],
        scope_validation=ScopeValidation(
            conflicts=[Conflict(a="T1", b="T3", witness="src/auth/__init__.py")],
            lower_bound=2,
        ),
        integration_contracts=[
            IntegrationContract(provider="T1", consumer="T3", description="issue_token(user)"),
            IntegrationContract(
                provider="T1",
                consumer="T3",
                description="`src/auth/jwt.py:verify_token` returns the claims",
                symbol="src/auth/jwt.py:verify_token",
            ),
        ],
        global_forbid=[".github/workflows/"],
    )


def sample_analysis() -> AnalysisReport:
    return AnalysisReport(
        id="20261125-add-jwt-auth",
        request="Add JWT authentication\nwith refresh tokens",
        created_at=WHEN,
        base_commit="0123456789abcdef0123456789abcdef01234567",
        task_type_reasons=["the request asks to add something"],
        coordination_points=[
            CoordinationPoint(
                description="app.py and auth/jwt.py must agree on issue_token",
                files=["src/app.py", "src/auth/jwt.py"],
                symbol="issue_token",
            )
        ],
        candidate_files=[
            CandidateFile(path="src/auth/jwt.py", relevance=0.93, reason="defines tokens")
        ],
        scope_strategy="One objective per package.",
        risks=["token expiry semantics"],
        past_plans=[
            PastPlanCitation(
                plan_id="20261120-login",
                request="Login | sessions with `tokens`",
                status="partial",
                where="ap/20261120-login/integration",
                words=["token"],
                boosted=["src/auth/jwt.py"],
                failures=[PastFailure(task="T2", title="Refresh", reason="tests timed out")],
                contracts=[
                    PastContract(
                        provider="T1",
                        consumer="T2",
                        symbol="src/auth/jwt.py:issue_token",
                        description="returns a str",
                    )
                ],
                grants=[PastGrant(task="T1", pattern="src/auth/keys.py", why="key loading")],
                known_issues=["refresh tokens never expire"],
            )
        ],
    )


def sample_accomplishment() -> AccomplishmentReport:
    return AccomplishmentReport(
        id="20261125-add-jwt-auth",
        plan_id="20261125-add-jwt-auth",
        request="Add JWT authentication",
        created_at=WHEN,
        summary="3 of 3 objectives merged in 2 waves.",
        objectives=[
            ObjectiveOutcome(
                id="T1",
                title="Tokens",
                status=ObjectiveStatus.MERGED,
                commits=["abc"],
                files=["src/auth/jwt.py", "src/auth/__init__.py"],
                diffstat=DiffStat(files=2, insertions=40, deletions=3),
                change_summary=ChangeSummary(
                    changed="issue and verify tokens",
                    commit="feat(auth): JWT tokens",
                    tests="12 passed",
                    lint="clean",
                    limitations="no refresh tokens",
                ),
            ),
            ObjectiveOutcome(
                id="T2",
                title="Routes",
                status=ObjectiveStatus.FAILED,
                reason="the worker reported failure: the API is frozen",
            ),
        ],
        gate_results=[GateResult(name="tests", command="pytest -q", passed=True, duration=1.5)],
        contracts=[
            ContractCheck(
                provider="T1", consumer="T3", symbol="src/auth/jwt.py:issue_token", passed=True
            ),
            ContractCheck(
                provider="T1",
                consumer="T3",
                symbol="src/auth/jwt.py:verify_token",
                passed=False,
                reason="T1 promised src/auth/jwt.py:verify_token; not found on "
                "ap/20261125-add-jwt-auth/integration after wave 1 "
                "(src/auth/jwt.py: it defines no verify_token)",
            ),
        ],
        commit_message="feat: add JWT authentication\n\nAP-Plan: 20261125-add-jwt-auth",
        known_issues=[
            KnownIssue(kind="limitation", objective="T1", text="no refresh tokens"),
            KnownIssue(kind="failed", objective="T2", text="the API is frozen"),
        ],
        next_steps=["T2: run ap retry T2 (it failed: the API is frozen)"],
        notes=["docs/sessions/20261125-add-jwt-auth/notes/NOTES.md"],
    )


@pytest.mark.parametrize(
    ("name", "artifact", "template"),
    [
        ("plan.md", sample_plan(), "plan.md.j2"),
        ("analysis.md", sample_analysis(), "analysis.md.j2"),
        ("accomplishment.md", sample_accomplishment(), "accomplishment.md.j2"),
    ],
)
def test_rendered_artifact_matches_golden(name: str, artifact: Model, template: str) -> None:
    text = to_markdown(artifact, template=template)
    golden = GOLDEN / name
    if os.environ.get("AP_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_escaping_helpers() -> None:
    assert mermaid_label('a "b" <c>') == "a #quot;b#quot; #lt;c#gt;"
    assert md_cell("a|b\nc") == "a\\|b c"
    assert md_code("x`y") == "``x`y``"
    assert md_code("`") == "`` ` ``"
