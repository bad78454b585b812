"""A person's work is never lost: the worktree ``ap run`` hands them keeps their uncommitted
edits through Ctrl-C, ``--timeout`` and a crash, says where, and is handed back to them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git, planned_flow, run_ap

ONE = """\
request: Token module by hand
objectives:
  - id: T1
    title: Token module
    scope_touch: [src/auth/]
"""

# ap with the stopping signals at their defaults, whatever this process inherited.
_AP = """\
import os, signal, sys
for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(signum, signal.SIG_DFL)
os.execv(sys.executable, [sys.executable, "-m", "ap", *sys.argv[1:]])
"""


def _ap(flow: Flow, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _AP, *args, "--json"],
        cwd=flow.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _handed(proc: subprocess.Popen[str]) -> tuple[Path, list[dict[str, object]]]:
    """Read events until T1 is handed over; its worktree, and the events read."""
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        ev = json.loads(line)
        seen.append(ev)
        message = str(ev.get("message", ""))
        if ev["type"] == "message" and message.startswith("T1 is yours: "):
            return Path(message.split("work in ", 1)[1].split(", then", 1)[0]), seen
    raise AssertionError(f"T1 was never handed over: {seen}")


def _edit(tree: Path) -> None:
    (tree / "src/auth/jwt.py").write_text("def issue(user):\n    return 'signed'\n")  # tracked
    (tree / "src/auth/mine.py").write_text("# half done\n")  # untracked


def _edits_are_there(tree: Path) -> None:
    assert (tree / "src/auth/jwt.py").read_text() == "def issue(user):\n    return 'signed'\n"
    assert (tree / "src/auth/mine.py").read_text() == "# half done\n"


def _rest(proc: subprocess.Popen[str]) -> tuple[int, list[dict[str, object]], str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, [json.loads(line) for line in out.splitlines()], err


@pytest.mark.parametrize("how", ["SIGINT", "timeout", "SIGKILL"])
def test_a_persons_uncommitted_edits_survive_and_are_handed_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    flow = planned_flow(tmp_path / "repo", capsys, ONE)
    limit = ["--timeout", "6"] if how == "timeout" else []
    first = _ap(flow, "run", "--worker", "manual", *limit)
    tree, _ = _handed(first)
    _edit(tree)
    if how == "timeout":
        code, events, err = _rest(first)
        assert code == 1, err
    else:
        first.send_signal(getattr(signal, how))
        code, events, err = _rest(first)
        assert code == (130 if how == "SIGINT" else -signal.SIGKILL), err
    _edits_are_there(tree)  # not removed, not cleaned
    if how != "SIGKILL":  # (a killed ap says nothing; its rerun says it)
        (kept,) = [e for e in events if e["type"] == "worktree_kept"]
        assert kept["task"] == "T1" and kept["path"] == str(tree)
        assert str(tree) in str(kept["message"]) and "ap submit" in str(kept["message"])

    # The rerun (for a failed objective: ap retry) hands the person the same worktree.
    again = _ap(flow, *(["retry", "T1"] if how == "timeout" else ["run"]), "--worker", "manual")
    handed, seen = _handed(again)
    assert handed == tree
    _edits_are_there(tree)
    if how == "SIGKILL":
        assert any(e["type"] == "worktree_kept" and e["path"] == str(tree) for e in seen)
    if how == "timeout":  # (the work as it was, before it went onto the fresh branch)
        snapshot = git(flow.root, "rev-parse", f"refs/ap/kept/{tree.name}").strip()
        assert "'signed'" in git(flow.root, "show", f"{snapshot}:src/auth/jwt.py")
    submitted = run_ap(tree, "submit", "-m", "T1 by hand")
    assert submitted.returncode == 0, submitted.stderr
    code, _, err = _rest(again)
    assert code == 0, err
    assert flow.plan_statuses() == {"T1": "merged"}
    assert flow.show(flow.integration, "src/auth/mine.py") == "# half done\n"
    assert "'signed'" in flow.show(flow.integration, "src/auth/jwt.py")
    assert len(git(flow.root, "worktree", "list").splitlines()) == 1  # committed: gone now


def test_a_failed_workers_half_done_edits_are_kept_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the worker: a worktree with uncommitted work is kept, not cleaned."""
    flow = planned_flow(tmp_path / "repo", capsys, ONE)
    script = "cat >/dev/null; echo half > src/auth/half.py; exit 3"
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: sh\n    command: {json.dumps(['sh', '-c', script])}\n"
    )
    proc = _ap(flow, "run")
    code, events, err = _rest(proc)
    assert code == 1, err
    (kept,) = [e for e in events if e["type"] == "worktree_kept"]
    assert (Path(str(kept["path"])) / "src/auth/half.py").read_text() == "half\n"
