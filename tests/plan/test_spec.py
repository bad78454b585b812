"""`ap plan --from FILE`: errors name the file, the line, the field and the objective."""

from __future__ import annotations

from pathlib import Path

import pytest

from ap.core.errors import EXIT_USAGE, PlanInputError
from ap.core.models import Complexity
from ap.plan.spec import load_objectives_file

GOOD = """\
request: Add JWT authentication
objectives:
  - id: T1
    title: Tokens
    scope_touch: [src/auth/]
    complexity: high
  - id: T2
    title: Login
    scope_touch: [src/api/login.py]
    depends_on: [T1]
    integration_points: [calls issue_token(user)]
"""


def load_error(tmp_path: Path, text: str) -> PlanInputError:
    path = tmp_path / "objectives.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanInputError) as info:
        load_objectives_file(path)
    assert info.value.exit_code == EXIT_USAGE
    return info.value


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "objectives.yaml"
    path.write_text(GOOD, encoding="utf-8")
    loaded = load_objectives_file(path)
    assert loaded.request == "Add JWT authentication"
    assert [o.id for o in loaded.objectives] == ["T1", "T2"]
    assert loaded.objectives[0].complexity is Complexity.HIGH
    assert loaded.objectives[1].depends_on == ["T1"]


def test_a_missing_field_names_file_line_field_and_objective(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD.replace("    title: Login\n", ""))
    assert "objectives.yaml:7: objectives.1.title (objective T2): Field required" in error.message
    assert error.hint and "scope_touch" in error.hint


def test_an_unknown_key_and_a_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace("depends_on: [T1]", "depend_on: [T1]").replace(
        "scope_touch: [src/auth/]", "scope_touch: src/auth/"
    )
    lines = load_error(tmp_path, text).message.splitlines()
    assert any(
        ":5: objectives.0.scope_touch (objective T1): Input should be a valid list" in line
        for line in lines
    )
    assert any(":10: objectives.1.depend_on (objective T2): unknown key" in line for line in lines)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, "objectives:\n  - id: T1\n    title: [oops\n")
    assert "objectives.yaml:" in error.message and "invalid YAML" in error.message


def test_empty_or_missing_file(tmp_path: Path) -> None:
    assert "found empty" in load_error(tmp_path, "").message
    with pytest.raises(PlanInputError, match="no such file"):
        load_objectives_file(tmp_path / "nope.yaml")
