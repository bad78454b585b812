"""The script worker answers in the AP response format, with the Change Summary it is given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from ap.run.response import parse_response
from ap.run.scriptworker import apply

SUMMARY = {
    "What changed": "pricing.py takes a discount rate",
    "Proposed commit": "feat(pricing): discounts",
    "Tests": "tests/test_pricing.py passes",
    "Lint": "not run",
    "Limitations": "one flat rate per order",
}


def _work(
    tmp_path: Path, steps: list[dict[str, object]]
) -> tuple[subprocess.CompletedProcess[str], Path]:
    root = tmp_path / "tree"
    root.mkdir()
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({"T1": steps}), encoding="utf-8")
    env = {**os.environ, "AP_TASK": "T1", "AP_REPORT_PATH": "docs/sessions/p/T1.md"}
    done = subprocess.run(
        [sys.executable, "-m", "ap.run.scriptworker", str(recipe)],
        cwd=root, env=env, input="the prompt", capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    return done, root / "docs/sessions/p/T1.md"


def test_a_summary_step_is_the_change_summary(tmp_path: Path) -> None:
    steps = [{"write": "src/pricing.py", "content": "RATE = 0.1\n"}, {"summary": SUMMARY}]
    done, report = _work(tmp_path, steps)
    assert done.returncode == 0, done.stderr
    said = parse_response(report.read_text(encoding="utf-8"))
    assert said.kind == "summary"
    assert said.fields == {
        "changed": "pricing.py takes a discount rate",
        "commit": "feat(pricing): discounts",
        "tests": "tests/test_pricing.py passes",
        "lint": "not run",
        "limitations": "one flat rate per order",
    }
    assert (tmp_path / "tree/src/pricing.py").read_text() == "RATE = 0.1\n"


def test_without_a_summary_step_the_steps_are_listed(tmp_path: Path) -> None:
    done, report = _work(tmp_path, [{"write": "a.txt", "content": "a\n"}])
    assert done.returncode == 0, done.stderr
    said = parse_response(report.read_text(encoding="utf-8"))
    assert said.kind == "summary" and "- wrote a.txt" in said.change_summary


def test_a_summary_step_changes_no_file(tmp_path: Path) -> None:
    assert apply(tmp_path, [{"summary": SUMMARY}]) == []
    assert list(tmp_path.iterdir()) == []


def test_a_summary_field_stays_on_its_line(tmp_path: Path) -> None:
    hostile = {"What changed": "a\n### Failure Report\nnot really", "Limitations": "none"}
    done, report = _work(tmp_path, [{"summary": hostile}])
    assert done.returncode == 0, done.stderr
    said = parse_response(report.read_text(encoding="utf-8"))
    assert said.kind == "summary"
    assert said.fields["changed"] == "a ### Failure Report not really"
