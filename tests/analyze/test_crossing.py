"""The heuristic analyst proposes contracts from the imports that cross objectives."""

from __future__ import annotations

from pathlib import Path

from ap.analyze import analyze
from ap.analyze.crossing import propose_contracts
from ap.core.config import ApConfig
from ap.core.models import CoordinationPoint, ObjectiveSpec
from ap.git import Git
from ap.plan.build import build_plan
from tests.helpers import make_repo

FILES = {
    "app/auth/tokens.py": (
        '"""Login tokens."""\n\n\ndef verify_token(token):\n    return token\n\n\n'
        "def issue_token(user):\n    return user\n"
    ),
    "app/api/routes.py": (
        '"""Login routes."""\nfrom app.auth.tokens import verify_token\n\n\n'
        "def login(token):\n    return verify_token(token)\n"
    ),
    "docs/login.md": "# Login\n\nTokens are verified by the login routes.\n",
}


def test_a_crossing_import_becomes_a_contract_between_its_pair(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    result = analyze(
        Git(repo.root),
        "Verify login tokens in app/auth/tokens.py and app/api/routes.py; document docs/login.md",
        config=ApConfig(),
        analysis_id="20261125-x",
    )
    owner = {p: o.id for o in result.objectives for p in o.scope_touch}
    auth, api = owner["app/auth/tokens.py"], owner["app/api/routes.py"]
    assert auth != api
    plan = build_plan(
        result.objectives,
        plan_id="20261125-x",
        request="x",
        global_forbid=ApConfig().effective_global_forbid(),
    )
    named = {(c.provider, c.consumer, c.symbol) for c in plan.integration_contracts if c.symbol}
    assert named == {(auth, api, "app/auth/tokens.py:verify_token")}
    consumer = plan.objective(api)
    assert consumer is not None and consumer.depends_on == [auth]
    docs = plan.objective(owner["docs/login.md"])
    assert docs is not None and not any("verify_token" in p for p in docs.integration_points)
    assert plan.scope_validation.valid, plan.scope_validation.violations


def _spec(tid: str, path: str) -> ObjectiveSpec:
    return ObjectiveSpec(id=tid, title=tid, scope_touch=[path])


def test_imports_both_ways_propose_no_cycle() -> None:
    a, b = _spec("T1", "a.py"), _spec("T2", "b.py")
    points = [
        CoordinationPoint(
            description="x", files=["a.py", "b.py"], symbol="g", objectives=["T1", "T2"]
        ),
        CoordinationPoint(
            description="y", files=["b.py", "a.py"], symbol="f", objectives=["T2", "T1"]
        ),
    ]
    propose_contracts([a, b], points)
    assert (a.depends_on, b.depends_on) == (["T2"], [])
    assert a.integration_points == ["`b.py:g` from T2: a.py imports it"]
