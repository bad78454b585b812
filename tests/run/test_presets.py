"""The agent presets, run by ``ap run --worker NAME`` against stand-ins of the agent CLIs.

The real agents need accounts and the network, so each is replaced at that boundary
by a small program on PATH that holds the agent to its documented non-interactive
contract: Claude Code reads the prompt on stdin in print mode (``-p``); Codex's
``exec -`` reads it on stdin and edits only with a writable sandbox; Aider reads
``--message-file``; Gemini is headless only with ``-p`` (whose text follows what
stdin holds). A preset that breaks its agent's contract fails the objective.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.run.conftest import planned_flow

AGENT = """\
import json, os, pathlib, sys
name = pathlib.Path(sys.argv[0]).name
args = sys.argv[1:]

def option(flag):
    return args[args.index(flag) + 1] if flag in args else None

if name == "claude":
    assert "-p" in args, "claude without -p starts its interactive UI"
    assert option("--permission-mode") == "acceptEdits", "edits would wait for approval"
    prompt = sys.stdin.read()
elif name == "codex":
    assert args[:1] == ["exec"], "codex without exec starts its interactive UI"
    assert args[-1] == "-", "the prompt is not read on stdin"
    assert option("--sandbox") == "workspace-write", "the read-only sandbox allows no edit"
    prompt = sys.stdin.read()
elif name == "aider":
    assert "--yes-always" in args, "aider would wait for confirmations"
    prompt = pathlib.Path(option("--message-file")).read_text()
elif name == "gemini":
    assert "-p" in args, "gemini without -p starts its interactive UI"
    assert "--yolo" in args, "edits would wait for approval"
    prompt = sys.stdin.read() + "\\n" + option("-p")
task = os.environ["AP_TASK"]
assert f"{task}" in prompt and os.environ["AP_SCOPE_TOUCH"] in prompt, "not the objective's prompt"
scope = os.environ["AP_SCOPE_TOUCH"].splitlines()[0]
path = pathlib.Path(scope) / f"by_{name}.txt"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(f"{task} done by {name}\\n")
with open(os.environ["AGENT_LOG"], "a") as log:
    log.write(json.dumps({"agent": name, "task": task, "cwd": os.getcwd()}) + "\\n")
"""


@pytest.mark.parametrize("preset", ["claude-code", "codex", "aider", "gemini"])
def test_each_agent_preset_runs_its_agent_non_interactively(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    preset: str,
) -> None:
    flow = planned_flow(tmp_path / "repo", capsys)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("claude", "codex", "aider", "gemini"):
        program = bin_dir / name
        program.write_text(f"#!{sys.executable}\n{AGENT}")
        program.chmod(0o755)
    log = tmp_path / "agents.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AGENT_LOG", str(log))

    code, _, err = flow.ap("run", "--worker", preset)

    assert code == 0, err + "".join(
        p.read_text() for p in (flow.root / ".git/ap").rglob("logs/*.log")
    )
    agent = "claude" if preset == "claude-code" else preset
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["task"] for r in runs) == ["T1", "T2", "T3"]
    assert {r["agent"] for r in runs} == {agent}
    assert all(Path(r["cwd"]) != flow.root for r in runs)  # each in its own worktree
    tree = flow.tree(flow.integration)
    for path in ("src/auth/", "src/api/", "tests/"):
        assert f"{path}by_{agent}.txt" in tree
    assert set(flow.plan_statuses().values()) == {"merged"}


def test_a_worker_whose_program_is_missing_is_refused_before_it_starts(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not one objective fails for an agent that is not installed: the run stops before
    the wave (exit 2, with a hint), and runs once it is there."""
    flow = planned_flow(tmp_path / "repo", capsys)
    (flow.root / "ap.yaml").write_text("team:\n  - name: coder\n    preset: codex\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AGENT_LOG", str(tmp_path / "agents.jsonl"))
    before = flow.plan_statuses()
    tip = flow.repo.git("rev-parse", flow.integration)

    for args, named in ((["run"], "coder (`codex`)"), (["run", "--worker", "gemini"], "gemini")):
        code, _, err = flow.ap(*args)
        assert code == 2
        assert f"no such program on PATH for worker(s) {named}" in err
        assert "hint: install it" in err
    assert flow.repo.git("rev-parse", flow.integration) == tip  # nothing was written
    assert flow.plan_statuses() == before

    (bin_dir / "codex").write_text(f"#!{sys.executable}\n{AGENT}")
    (bin_dir / "codex").chmod(0o755)
    code, _, err = flow.ap("run")
    assert code == 0, err
    assert set(flow.plan_statuses().values()) == {"merged"}
