"""A worker that moves or commits on another objective's branch fails, not its victim.

T1's worker attacks T2's branch while T2's worker is at work (it waits until the
attack is done); T2 must end merged with its own work only, its branch put back
where ap left it, the foreign commit kept under refs/ap/foreign/; T1 fails when
the evidence names it, and the event says when ap cannot tell.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git, planned_flow

WORKER = r"""
cat >/dev/null
who="-c user.name=worker -c user.email=worker@example.invalid"
case "$AP_TASK" in
  T1)
    while [ ! -e "$PIDDIR/T2-started" ]; do sleep 0.1; done
    victim="refs/heads/ap/$AP_PLAN/T2"
    case "$ATTACK" in
      own-history)  # not an attack: T1 rewrites its own branch (two commits, one dropped)
        echo a > src/auth/a.py && git add -A && git $who commit -qm a
        echo b > src/auth/b.py && git add -A && git $who commit -qm b
        git $who rebase -q --onto HEAD~2 HEAD~1 ;;
      update-ref)  # a commit of T1's own files, put on T2's branch from T1's worktree
        echo evil > src/auth/evil.py && git add -A
        c=$(git $who commit-tree "$(git write-tree)" -p HEAD -m sabotage)
        git update-ref "$victim" "$c" ;;
      update-ref-anonymous)  # T2's branch reset to an older commit: nothing says who
        git update-ref "$victim" "$(git rev-parse main)" ;;
      commit-in-its-worktree)
        t2=$(git worktree list --porcelain | awk -v b="branch $victim" \
             '/^worktree /{w=substr($0, 10)} $0==b{print w}')
        (cd "$t2" && echo evil > src/auth/evil.py && git add -A && git $who commit -qm sabotage) ;;
    esac
    : > "$PIDDIR/attacked"
    mkdir -p src/auth && echo "# by T1" > src/auth/new.py ;;
  T2)
    : > "$PIDDIR/T2-started"
    n=0; while [ ! -e "$PIDDIR/attacked" ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done
    echo "# by T2" > src/api/new.py ;;
  *) mkdir -p tests && echo "# by $AP_TASK" > tests/t.py ;;
esac
"""


def _flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys)
    command = json.dumps(["sh", "-c", WORKER])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: sh\n    command: {command}\n    max_concurrent: 4\n"
    )
    return flow


@pytest.mark.parametrize(
    ("attack", "culprit", "evidence"),
    [
        ("update-ref", "T1", "the foreign commits change T1's files only"),
        ("commit-in-its-worktree", "T1", "T1's worker made the commit in T2's worktree"),
        ("update-ref-anonymous", None, "ap cannot tell which worker did it"),
    ],
)
def test_the_culprit_fails_not_the_victim(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    attack: str,
    culprit: str | None,
    evidence: str,
) -> None:
    piddir = tmp_path / "pids"
    piddir.mkdir()
    flow = _flow(tmp_path, capsys)
    monkeypatch.setenv("PIDDIR", str(piddir))
    monkeypatch.setenv("ATTACK", attack)
    _, out, _ = flow.ap("run", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    (moved,) = [e for e in events if e["type"] == "foreign_move"]
    assert moved["task"] == "T2" and moved["culprit"] == culprit
    assert evidence in moved["message"]
    kept = moved["kept"]
    assert kept.startswith(f"refs/ap/foreign/{flow.plan_id}/T2/")
    foreign = git(flow.root, "rev-parse", kept).strip()  # the foreign tip, kept
    contains = ["git", "merge-base", "--is-ancestor", foreign, flow.branch("T2")]
    if attack == "update-ref-anonymous":
        assert foreign == git(flow.root, "rev-parse", "main").strip()
    else:
        assert subprocess.run(contains, cwd=flow.root, check=False).returncode == 1  # not on T2
    statuses = flow.plan_statuses()
    assert statuses["T2"] == "merged"  # the victim is not failed for a commit it did not make
    if culprit is None:
        assert statuses == {"T1": "merged", "T2": "merged", "T3": "merged"}
    else:
        assert statuses == {"T1": "failed", "T2": "merged", "T3": "blocked"}
        plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
        assert "moved T2's branch" in " ".join(plan.split())
    tree = flow.tree(flow.integration)
    assert "src/api/new.py" in tree and "src/auth/evil.py" not in tree
    log = git(flow.root, "log", "--format=%s", flow.branch("T2"))
    assert "sabotage" not in log
    t2_paths = git(flow.root, "diff", "--name-only", f"{flow.branch('T2')}~1", flow.branch("T2"))
    assert "src/auth/evil.py" not in t2_paths


def test_a_worker_rewriting_its_own_branch_is_not_foreign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    piddir = tmp_path / "pids"
    piddir.mkdir()
    flow = _flow(tmp_path, capsys)
    monkeypatch.setenv("PIDDIR", str(piddir))
    monkeypatch.setenv("ATTACK", "own-history")
    code, out, err = flow.ap("run", "--json")
    assert code == 0, err
    assert not [line for line in out.splitlines() if '"foreign_move"' in line]
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    tree = flow.tree(flow.integration)
    assert "src/auth/b.py" in tree and "src/auth/a.py" not in tree
