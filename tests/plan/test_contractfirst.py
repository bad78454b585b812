"""`ap plan --contract-first`: the promised interfaces are written first, by one objective."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ap.cli import main
from tests.helpers import make_repo

OBJECTIVES = """\
request: Verify tokens
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


def _plan(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str, str]:
    repo = make_repo(tmp_path / "repo", {"README.md": "# x\n"})
    path = tmp_path / "objectives.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["-C", str(repo.root), "plan", "--from", str(path), "--contract-first", "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_interfaces_come_first_and_the_provider_still_owes_the_real_thing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _plan(tmp_path, capsys, OBJECTIVES)
    assert code == 0, err
    plan = [json.loads(line)["plan"] for line in out.splitlines() if '"plan"' in line][-1]
    assert plan["waves"] == [["T0"], ["T1", "T3"], ["T2"]]
    first = plan["objectives"][0]
    assert (first["id"], first["scope_touch"]) == ("T0", ["src/auth/jwt.py"])
    assert plan["scope_validation"]["valid"], plan["scope_validation"]
    contracts = {(c["provider"], c["consumer"], c["symbol"]) for c in plan["integration_contracts"]}
    assert {("T0", t, "src/auth/jwt.py:verify_token") for t in ("T1", "T2", "T3")} <= contracts
    assert ("T1", "T2", "src/auth/jwt.py:verify_token") in contracts


def test_contract_first_without_a_named_contract_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = OBJECTIVES.replace("`src/auth/jwt.py:verify_token` returns", "verify_token returns")
    code, _, err = _plan(tmp_path, capsys, text)
    assert code == 2
    assert "no integration point names a contract" in err and "hint:" in err
