"""`ap run --parallel N`: a plain command worker runs as many objectives at once as the run
allows; a worker's own max_concurrent lowers that, and the run says so once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.run.conftest import Flow, planned_flow

# Says it started, then waits (up to 60 s) until every objective of the wave has started:
# run one at a time, the first would never see the others and fails.
WORKER = """\
import os, pathlib, sys, time
task = os.environ["AP_TASK"]
sys.stdin.read()
meet = pathlib.Path(os.environ["MEET"])
(meet / task).write_text("started")
deadline = time.monotonic() + float(os.environ.get("PATIENCE", "60"))
while len(list(meet.iterdir())) < 3:
    if time.monotonic() > deadline:
        sys.exit(5)
    time.sleep(0.05)
scope = os.environ["AP_SCOPE_TOUCH"].splitlines()[0]
pathlib.Path(scope, task + ".txt").write_text(task)
"""

OBJECTIVES = """\
request: Three folders at once
objectives:
""" + "".join(f"  - {{id: T{n}, title: t{n}, scope_touch: [src/p{n}/]}}\n" for n in (1, 2, 3))

FILES = {"README.md": "# x\n", **{f"src/p{n}/keep.txt": "k\n" for n in (1, 2, 3)}}


def _flow(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
    patience: str,
) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys, OBJECTIVES, files=FILES)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    meet = tmp_path / "meet"
    meet.mkdir()
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(f"team:\n  - name: py\n    command: {command}\n{limit}")
    monkeypatch.setenv("MEET", str(meet))
    monkeypatch.setenv("PATIENCE", patience)
    return flow


def test_a_command_worker_runs_as_many_at_once_as_parallel_allows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = _flow(tmp_path, capsys, monkeypatch, "", "60")
    code, out, err = flow.ap("run", "--parallel", "4")
    assert code == 0, out + err
    assert set(flow.plan_statuses().values()) == {"merged"}
    assert "max_concurrent" not in out + err


def test_a_lower_max_concurrent_is_said_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = _flow(tmp_path, capsys, monkeypatch, "    max_concurrent: 1\n", "1")
    code, out, err = flow.ap("run", "--parallel", "4")
    said = " ".join((out + err).split())
    assert said.count("worker py runs at most 1 objective(s) at a time") == 1, said
    assert code == 1  # one at a time, they never meet: each gives up
