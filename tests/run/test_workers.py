"""Choosing a worker: the plan's own, --worker, or the best match by capabilities and load."""

from __future__ import annotations

import sys

import pytest

from ap.core.config import ApConfig, WorkerConfig
from ap.core.errors import UsageError
from ap.core.models import Complexity, Objective
from ap.run.workers import choose, from_config, resolve, work_kinds


def team() -> ApConfig:
    return ApConfig(
        team=[
            WorkerConfig(name="writer", command="echo", capabilities=["docs"]),
            WorkerConfig(
                name="coder", preset="claude-code", capabilities=["python", "tests"],
                max_concurrent=2,
            ),
            WorkerConfig(name="coder2", preset="codex", capabilities=["python", "tests"]),
        ]
    )  # fmt: skip


def objective(*touch: str, agent: str = "auto") -> Objective:
    return Objective(id="T1", title="t", scope_touch=list(touch), agent=agent)


def test_kinds_of_work_from_the_scope() -> None:
    o = objective("src/app.py", "tests/test_app.py", "docs/guide.md")
    o.complexity = Complexity.HIGH
    assert work_kinds(o) == {"python", "tests", "docs", "complexity:high"}


def test_best_capability_match_then_least_load() -> None:
    config = team()
    worker, why = choose(config, objective("src/app.py", "tests/test_app.py"), {})
    assert worker.name == "coder" and "python, tests" in why
    # coder is full (2/2): the equally able coder2 (0/1) is chosen.
    worker, _ = choose(config, objective("src/app.py", "tests/test_app.py"), {"coder": 2})
    assert worker.name == "coder2"
    worker, why = choose(config, objective("docs/guide.md"), {})
    assert worker.name == "writer" and "docs" in why


def test_the_plan_can_name_its_worker_and_presets_resolve() -> None:
    config = team()
    worker, why = choose(config, objective("src/x.py", agent="writer"), {})
    assert worker.name == "writer" and "named by the plan" in why
    assert resolve(config, "aider").command("/tmp/p.txt")[-1] == "/tmp/p.txt"
    assert resolve(config, "manual").manual
    with pytest.raises(UsageError, match="no worker named"):
        resolve(config, "nobody")


def test_script_preset_needs_a_recipe_and_runs_with_this_python() -> None:
    with pytest.raises(ValueError, match="recipe"):
        WorkerConfig(name="s", preset="script")
    worker = from_config(WorkerConfig(name="s", preset="script", recipe="r.yaml"))
    assert worker.command("p")[:3] == [sys.executable, "-m", "ap.run.scriptworker"]


def test_no_team_and_no_worker_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no `team`"):
        choose(ApConfig(), objective("src/x.py"), {})
