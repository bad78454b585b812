"""Command-line arguments fuzzed on a real, planned and started repository: whatever the
arguments, ap answers 0, 1 or 2 (a check, a refusal, a user mistake), never 3 (a bug)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ap.cli import main
from tests.helpers import Repo, make_repo

OBJECTIVES = """\
objectives:
  - {id: T1, title: One, scope_touch: [src/a/]}
  - {id: T2, title: Two, scope_touch: [src/b/], depends_on: [T1], integration_points: [x]}
"""
# Text a shell could pass as one argument (no NUL: no process gets one), biased towards
# what ap parses: ids ({plan} is the plan's id), ranges, refs, patterns, options.
PIECES = st.sampled_from(
    ["", " ", "-", "--", "..", "...", "/", "*", "T1", "T9", "ap/", "main", "HEAD", "~", "^",
     "@{", ":", "\n", "é", "0", "-1", "{plan}", "{plan}", "integration", "--json", "\\",
     "docs/plans/", "PLAN_", ".md", "src/a/"]
)  # fmt: skip
ARG = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=8),
    st.lists(PIECES, min_size=1, max_size=4).map("".join),
)
# Each command with holes ({0}, {1}) for fuzzed arguments.
COMMANDS = st.sampled_from(
    [
        ["show", "{0}"],
        ["show", "--kind", "analysis", "{0}"],
        ["prompt", "{0}", "{1}"],
        ["prompt", "{plan}", "{0}"],
        ["validate", "{0}"],
        ["status", "{0}"],
        ["check-scope", "--branch", "{0}"],
        ["check-scope", "--branch", "ap/{plan}/{0}"],
        ["check-scope", "--range", "{0}..{1}"],
        ["check-scope", "--range", "{0}"],
        ["plan", "--dry-run", "{0}"],
        ["plan", "--dry-run", "--allow", "{0}", "change src/a/x.py"],
        ["plan", "--dry-run", "--from", "{0}"],
        ["analyze", "--dry-run", "{0}"],
        ["start", "{0}", "--wave", "2"],
        ["start", "--wave", "{0}"],
        ["scope", "request", "T9", "{0}", "--why", "{1}", "--plan", "{plan}"],
        ["submit", "-m", "{0}"],
    ]
)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """A repository with a plan of two waves, the first started."""
    root = tmp_path_factory.mktemp("fuzz") / "repo"
    repo = make_repo(root, {"src/a/x.py": "x\n", "src/b/y.py": "y\n"})
    (root.parent / "objectives.yaml").write_text(OBJECTIVES, encoding="utf-8")
    for args in (["init"], ["plan", "--from", str(root.parent / "objectives.yaml")], ["start"]):
        assert main(["-C", str(root), *args]) == 0
        repo.commit("step")
    return repo


@FUZZ
@given(command=COMMANDS, first=ARG, second=ARG)
@example(command=["check-scope", "--branch", "{0}"], first="nope", second="")
@example(command=["check-scope", "--range", "{0}..{1}"], first="-all", second="main")
@example(command=["show", "{0}"], first="../../etc/passwd", second="")
@example(command=["plan", "--dry-run", "--allow", "{0}", "add it"], first="**", second="")
def test_no_argument_crashes_ap(
    started: Repo,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    first: str,
    second: str,
) -> None:
    plan_id = next(started.root.glob("docs/plans/PLAN_*.md")).stem[len("PLAN_") :]
    args = [
        a.replace("{0}", first).replace("{1}", second).replace("{plan}", plan_id) for a in command
    ]
    code = main(["-C", str(started.root), *args])
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code == 2 and err.startswith("error:"):  # ap's own refusal (click's says "Usage:")
        assert "\nhint: " in err, err


def test_the_fuzzed_repository_is_what_it_was(started: Repo, tmp_path: Path) -> None:
    # Read-only commands and dry runs: the fuzzing wrote nothing.
    assert started.status() == ""
