"""`ap run` checks the integration contracts a wave promised on the merged tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.run.conftest import Flow, planned_flow

OBJECTIVES = """\
request: Verify tokens in the API
objectives:
  - id: T1
    title: Token module
    scope_touch: [src/auth/]
  - id: T2
    title: API routes
    scope_touch: [src/api/]
    depends_on: [T1]
    integration_points: ["`src/auth/jwt.py:verify_token` returns the claims"]
  - id: T3
    title: Guide
    scope_touch: [docs/]
"""

FILES = {
    "README.md": "# shop\n",
    "src/auth/jwt.py": "def issue(user):\n    return user\n",
    "src/api/routes.py": "ROUTES = []\n",
    "docs/guide.md": "guide\n",
}


def _recipe(t1_source: str) -> dict[str, list[dict[str, str]]]:
    return {
        "T1": [{"write": "src/auth/jwt.py", "content": t1_source}],
        "T2": [{"write": "src/api/routes.py", "content": "from auth.jwt import verify_token\n"}],
        "T3": [{"append": "docs/guide.md", "content": "more\n"}],
    }


def _contract_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str], t1_source: str) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys, OBJECTIVES, FILES)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(_recipe(t1_source)), encoding="utf-8")
    team = {"team": [{"name": "s", "preset": "script", "recipe": str(recipe)}]}
    (flow.root / "ap.yaml").write_text(yaml.safe_dump(team), encoding="utf-8")
    return flow


def _events(out: str, kind: str) -> list[dict[str, object]]:
    return [e for e in map(json.loads, out.splitlines()) if e["type"] == kind]


def test_the_plan_records_the_contract_and_the_prompts_name_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = _contract_flow(tmp_path, capsys, "")
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "symbol: src/auth/jwt.py:verify_token" in plan
    assert "T2 relies on T1 for `src/auth/jwt.py:verify_token`" in plan
    provider = flow.ok("prompt", flow.plan_id, "T1")
    assert "You must provide `src/auth/jwt.py:verify_token` (T2 relies on it)" in provider
    consumer = flow.ok("prompt", flow.plan_id, "T2")
    assert "you may use `src/auth/jwt.py:verify_token`" in consumer


def test_a_broken_promise_fails_the_provider_and_blocks_its_consumer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = _contract_flow(tmp_path, capsys, "def issue(user):\n    return {'sub': user}\n")
    code, out, err = flow.ap("run", "--json")
    assert code == 1, err
    quoted = (
        f"T1 promised src/auth/jwt.py:verify_token; not found on {flow.integration} after wave 1"
    )
    (broken,) = _events(out, "contract_broken")
    assert str(broken["reason"]).startswith(quoted)
    assert "src/auth/jwt.py: it defines no verify_token" in str(broken["reason"])
    assert flow.plan_statuses() == {"T1": "failed", "T2": "blocked", "T3": "merged"}
    assert flow.show(flow.integration, "src/auth/jwt.py") == FILES["src/auth/jwt.py"]
    assert flow.show(flow.integration, "docs/guide.md") == "guide\nmore\n"  # independent work
    assert not _events(out, "contract_checked")
    assert quoted in " ".join(flow.ok("status").split())
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert f"- BROKEN: {quoted}" in report


def test_a_kept_promise_is_checked_merged_and_accomplished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "class Claims(dict):\n    pass\n\n\ndef verify_token(token):\n    return Claims()\n"
    flow = _contract_flow(tmp_path, capsys, source)
    code, out, err = flow.ap("run", "--json")
    assert code == 0, err
    (checked,) = _events(out, "contract_checked")
    assert checked["symbol"] == "src/auth/jwt.py:verify_token" and checked["passed"] is True
    assert checked["message"] == "contract kept: T1 provides src/auth/jwt.py:verify_token to T2"
    assert not _events(out, "contract_broken")
    assert set(flow.plan_statuses().values()) == {"merged"}
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert "- kept: T1 provides `src/auth/jwt.py:verify_token` to T2" in report


def test_merge_wave_by_hand_checks_the_contracts_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = planned_flow(tmp_path / "repo", capsys, OBJECTIVES, FILES)
    flow.submit("T1", {"src/auth/jwt.py": "def verify(token):\n    return token\n"})
    flow.submit("T3", {"docs/guide.md": "new guide\n"})
    code, out, err = flow.ap("merge-wave")
    assert code == 1, err  # (an objective failed: DESIGN.md §8)
    assert "merged T3; failed T1; blocked T2" in out + err
    statuses = flow.plan_statuses()
    assert statuses == {"T1": "failed", "T2": "blocked", "T3": "merged"}
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "T1 promised src/auth/jwt.py:verify_token" in " ".join(plan.split())
