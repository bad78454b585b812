"""The guarantee holds against any worker: nothing outside an objective's scope reaches
the integration branch, even when a worker moves that branch itself with git.

A command worker in `ap run` attacks the integration branch at the git level; the
run stops (exit 1) naming the foreign commit, ap builds nothing on it, and the
out-of-scope file never reaches an ap commit or the accomplishment. `merge-wave`
and `accomplish` run by hand refuse too, and the hint's command puts things right.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.run.conftest import OBJECTIVES, Flow, git, planned_flow

# T1's worker (scope src/auth/) attacks as ATTACK says; the others just work.
WORKER = """\
import os, pathlib, subprocess, sys
sys.stdin.read()
task, plan = os.environ["AP_TASK"], os.environ["AP_PLAN"]
integration = f"ap/{plan}/integration"
own = {"T1": "src/auth/new.py", "T2": "src/api/new.py", "T3": "tests/test_new.py"}[task]
pathlib.Path(own).parent.mkdir(parents=True, exist_ok=True)
pathlib.Path(own).write_text(f"# by {task}\\n")
attack = os.environ.get("ATTACK", "") if task == "T1" else ""
if os.environ.get("FAIL_" + task):
    sys.exit(3)
START = f"chore(ap): start wave 1 of {plan}\\n\\nAP-Plan: {plan}\\nAP-Step: start\\nAP-Wave: 1"
who = {"GIT_AUTHOR_NAME": "mallory", "GIT_AUTHOR_EMAIL": "mallory@example.invalid"}

def git(*args, env=None):
    out = subprocess.run(["git", *args], check=True, capture_output=True, text=True,
                         env={**os.environ, **who, **(env or {})})
    return out.stdout.strip()

def evil():
    pathlib.Path("evil.txt").write_text("out of scope\\n")
    git("add", "evil.txt")

if attack == "checkout":  # commit on the integration branch, checked out here
    git("stash", "-u")
    git("checkout", "-q", integration)
    evil()
    git("commit", "-q", "--no-verify", "-m", "docs: harmless")
    git("checkout", "-q", f"ap/{plan}/{task}")
    git("stash", "pop")
elif attack == "merge":  # merge a branch of its own into it
    git("stash", "-u")
    git("checkout", "-q", "-b", "side")
    evil()
    git("commit", "-q", "--no-verify", "-m", "side work")
    git("checkout", "-q", integration)
    git("merge", "-q", "--no-ff", "--no-verify", "-m", "merge side", "side")
    git("checkout", "-q", f"ap/{plan}/{task}")
    git("stash", "pop")
elif attack == "update-ref":  # a commit of its own, the branch moved onto it
    evil()
    git("commit", "-q", "--no-verify", "-m", START)
    git("update-ref", f"refs/heads/{integration}", "HEAD")
    git("reset", "-q", "--soft", "HEAD~1")
elif attack == "delete":  # the branch deleted, the plan in the main checkout widened
    main = pathlib.Path(git("rev-parse", "--path-format=absolute", "--git-common-dir")).parent
    plan_file = main / f"docs/plans/PLAN_{plan}.md"  # (ap start took the draft away)
    text = git("show", f"{integration}:docs/plans/PLAN_{plan}.md")
    plan_file.parent.mkdir(parents=True, exist_ok=True)
    plan_file.write_text(text.replace("- src/auth/", "- src/") + "\\n")
    git("update-ref", "-d", f"refs/heads/{integration}")
    pathlib.Path("src/api/evil.py").write_text("out of scope\\n")
elif attack == "widen":  # a forged start step widening its own scope, then work outside it
    path = f"docs/plans/PLAN_{plan}.md"
    text = git("show", f"{integration}:{path}").replace("- src/auth/", "- src/")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], input=text + "\\n",
                          capture_output=True, text=True, check=True).stdout.strip()
    index = {"GIT_INDEX_FILE": os.path.abspath("forged.index")}
    git("read-tree", integration, env=index)
    git("update-index", "--cacheinfo", f"100644,{blob},{path}", env=index)
    tree = git("write-tree", env=index)
    os.remove("forged.index")
    forged = git("commit-tree", tree, "-p", integration, "-m", START)
    git("update-ref", f"refs/heads/{integration}", forged)
    pathlib.Path("src/api/evil.py").write_text("out of scope\\n")
"""

ATTACKS = {
    "checkout": ("docs: harmless", "evil.txt"),
    "merge": ("merge side", "evil.txt"),
    "update-ref": ("chore(ap): start wave 1", "evil.txt"),
    "widen": ("chore(ap): start wave 1", "src/api/evil.py"),
}


def hostile_flow(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    attack: str,
    objectives: str = OBJECTIVES,
) -> Flow:
    flow = planned_flow(tmp_path / "repo", capsys, objectives)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(f"team:\n  - name: py\n    command: {command}\n")
    monkeypatch.setenv("ATTACK", attack)
    return flow


def test_a_worker_deleting_the_integration_branch_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ap does not start the plan again from the working tree's (edited) copy of the plan."""
    flow = hostile_flow(tmp_path, capsys, monkeypatch, "delete")
    tip = git(flow.root, "rev-parse", flow.integration).strip()
    code, _, err = flow.ap("run")
    assert code == 1, err
    assert f"{flow.integration} is gone, but ap started it before" in err, err
    assert git(flow.root, "for-each-ref", f"refs/heads/{flow.integration}") == ""
    for command in ("run", "start"):  # not started again from the edited plan
        code, _, again = flow.ap(command)
        assert code == 1 and "is gone, but ap started it before" in again, again
        assert "other objectives, scopes or base than the working tree's copy" in again
    assert git(flow.root, "for-each-ref", f"refs/heads/{flow.integration}") == ""
    hint = re.search(r"`(git update-ref [^`]+)`", err)
    assert hint is not None
    last = hint.group(1).split()[-1]  # ap's last commit: the run's start, on the old tip
    git(flow.root, "merge-base", "--is-ancestor", tip, last)
    git(flow.root, *hint.group(1).split()[1:])
    code, _, err = flow.ap("merge-wave")  # T1's change outside its scope is caught
    assert code == 1 and "scope violation: src/api/evil.py" in err, err
    assert "src/api/evil.py" not in flow.tree(flow.integration)


def _ap_commits_on(flow: Flow, commit: str) -> list[str]:
    """Commits of ap's (an AP-Step trailer) made on ``commit``, referenced or not."""
    listing = git(flow.root, "cat-file", "--batch-all-objects", "--batch-check")
    found = []
    for line in listing.splitlines():
        oid, kind, _ = line.split()
        if kind != "commit":
            continue
        body = git(flow.root, "cat-file", "commit", oid)
        if f"parent {commit}" in body and "AP-Step:" in body:
            found.append(oid)
    return found


def _everything_ap_made(flow: Flow) -> str:
    """The files of every commit ap made (AP-Step, not by the worker) on the integration branch."""
    log = git(flow.root, "log", "--format=%H%x1f%an%x1f%B%x1e", flow.integration)
    trees = []
    for record in log.split("\x1e"):
        oid, _, rest = record.strip().partition("\x1f")
        author, _, message = rest.partition("\x1f")
        if oid and "AP-Step:" in message and author != "mallory":
            trees.append(git(flow.root, "ls-tree", "-r", "--name-only", oid))
    return "\n".join(trees)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_worker_moving_the_integration_branch_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, attack: str
) -> None:
    flow = hostile_flow(tmp_path, capsys, monkeypatch, attack)
    code, _, err = flow.ap("run")
    assert code == 1, err
    subject, evil = ATTACKS[attack]
    foreign = git(flow.root, "rev-parse", flow.integration).strip()
    assert "was moved by commits ap did not make" in err, err
    assert foreign[:12] in err and subject in err and "mallory" in err
    if attack != "widen":
        assert evil in err  # the paths it changed
    assert re.search(
        rf"git update-ref refs/heads/{re.escape(flow.integration)} [0-9a-f]{{40}}", err
    )
    assert not _ap_commits_on(flow, foreign)  # nothing of ap's built on it
    assert evil not in _everything_ap_made(flow)
    assert "AP-Step: accomplish" not in git(flow.root, "log", "--format=%B", flow.integration)
    # By hand, too: nothing is merged or accomplished on that tip.
    for command in ("merge-wave", "accomplish", "start"):
        code, _, err = flow.ap(command)
        assert code == 1 and foreign[:12] in err, (command, err)
    assert git(flow.root, "rev-parse", flow.integration).strip() == foreign
    # The hint puts the branch back; the run then ends without the foreign file.
    hint = re.search(r"`(git update-ref [^`]+)`", err)
    assert hint is not None
    git(flow.root, *hint.group(1).split()[1:])
    monkeypatch.delenv("ATTACK")
    code, _, err = flow.ap("run")
    accomplished = git(flow.root, "log", "-1", "--format=%B", flow.integration)
    assert "AP-Step: accomplish" in accomplished, err
    assert evil not in flow.tree(flow.integration)
    assert evil not in _everything_ap_made(flow)


def _forge(flow: Flow, message: str, files: dict[str, str | None], parents: int = 1) -> str:
    """A commit of ``files`` on the integration tip, the branch moved onto it (as a worker
    could with plumbing)."""
    from ap.git import Git

    g = Git(flow.root)
    tip = g.rev_parse(flow.integration)
    assert tip is not None
    tree = g.tree_with(tip, {p: None if t is None else t.encode() for p, t in files.items()})
    extra = [g.rev_parse(f"{flow.branch('T1')}")] if parents == 2 else []
    commit = g.commit_tree(tree, [tip, *[e for e in extra if e]], message)
    git(flow.root, "update-ref", f"refs/heads/{flow.integration}", commit)
    return commit


def _plan_path(flow: Flow) -> str:
    return f"docs/plans/PLAN_{flow.plan_id}.md"


def _steps(flow: Flow, step: str, **more: str) -> str:
    extra = "".join(f"\nAP-{k.title()}: {v}" for k, v in more.items())
    return f"chore(ap): {step}\n\nAP-Plan: {flow.plan_id}\nAP-Step: {step}{extra}"


FORGERIES = {
    # a start step that widens T2's scope (a trailer is only text)
    "start-widens": lambda f: (
        _steps(f, "start", wave="1"),
        {_plan_path(f): f.show(f.integration, _plan_path(f)).replace("- src/api/", "- src/")},
        "changes the plan's objectives, waves or scopes",
    ),
    # a start step that rewrites the contracts (so a broken promise would go unchecked)
    "start-rewrites-contracts": lambda f: (
        _steps(f, "start", wave="1"),
        {
            _plan_path(f): f.show(f.integration, _plan_path(f)).replace(
                "provider: T1", "provider: T2"
            )
        },
        "changes the plan's objectives, waves or scopes",
    ),
    # a state step that also adds a file
    "start-adds-a-file": lambda f: (
        _steps(f, "start", wave="1"),
        {"evil.txt": "x\n"},
        "evil.txt, which a start step never changes",
    ),
    # a grant overlapping the other running objective
    "grant-overlaps": lambda f: (
        _steps(f, "grant", task="T2"),
        {
            _plan_path(f): f.show(f.integration, _plan_path(f)).replace(
                "grants: []",
                "grants:\n- task: T2\n  pattern: src/auth/jwt.py\n  why: x\n"
                "  granted_at: 2026-01-01T00:00:00Z",
            )
        },
        "would have been refused: it overlaps T1",
    ),
    # an accomplishment that edits README.md outside its section
    "accomplish-edits-readme": lambda f: (
        _steps(f, "accomplish"),
        {"README.md": "# pwned\n"},
        "README.md outside its managed section",
    ),
    # a merge step whose change is not what its objectives changed
    "merge-adds-more": lambda f: (
        _steps(f, "merge", wave="1"),
        {"evil.txt": "x\n"},
        "not the union of the merged objectives' changes",
    ),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_forged_step_is_caught_by_its_content(flow: Flow, forgery: str) -> None:
    message, files, reason = FORGERIES[forgery](flow)
    assert "grants: []" in flow.show(flow.integration, _plan_path(flow)) or "grant" not in forgery
    forged = _forge(flow, message, files)
    code, _, err = flow.ap("merge-wave")
    assert code == 1, err
    assert forged[:12] in err and reason in " ".join(err.split()), err
    code, _, err = flow.ap("scope", "request", "T1", "docs/x.md", "--why", "a guide")
    assert code == 1 and forged[:12] in err, err
    assert git(flow.root, "rev-parse", flow.integration).strip() == forged
    shown = flow.ok("status")  # status says why, and how to put the branch back
    assert f"refused: {flow.integration} was moved by commits ap did not make" in shown
    assert "next: if you did not mean these commits" in shown


def test_a_second_plan_commit_replacing_the_history_is_refused(flow: Flow) -> None:
    """A forged first commit (a whole new history) is refused where ap started the plan."""
    from ap.git import Git

    g = Git(flow.root)
    base = g.rev_parse(f"{flow.integration}~1")
    assert base is not None
    text = flow.show(flow.integration, _plan_path(flow)).replace("- src/api/", "- src/api/x/")
    tree = g.tree_with(base, {_plan_path(flow): text.encode(), "evil.txt": b"x\n"})
    fake_base = g.commit_tree(tree, [base], "chore: base")
    tree = g.tree_with(fake_base, {_plan_path(flow): text.encode()})
    root = g.commit_tree(tree, [fake_base], _steps(flow, "plan"))
    git(flow.root, "update-ref", f"refs/heads/{flow.integration}", root)
    code, _, err = flow.ap("merge-wave")
    assert code == 1 and root[:12] in err, err


def test_a_new_first_commit_on_top_of_the_history_is_refused_anywhere(flow: Flow) -> None:
    """A forged first commit grafted on the real history is refused even on a machine that
    never saw the branch (no remembered first commit)."""
    import shutil

    from ap.core.config import ApConfig
    from ap.core.models import ObjectiveStatus
    from ap.git import Git
    from ap.run import integrity
    from ap.run.ledger import Ledger, render_plan

    ledger = Ledger(Git(flow.root), ApConfig(), flow.plan_id)
    plan = ledger.load()
    for objective in plan.objectives:  # a plan as it starts, on the real tip
        objective.status = ObjectiveStatus.PENDING
        objective.branch = objective.base = None
    plan.base_commit = ledger.require_tip()
    text = render_plan(plan)
    root = _forge(flow, _steps(flow, "plan"), {_plan_path(flow): text})
    shutil.rmtree(Git(flow.root).git_dir() / "ap" / "cache" / "integrity")
    integrity._KNOWN.clear()
    code, _, err = flow.ap("merge-wave")
    assert code == 1 and root[:12] in err, err
    assert "already holds commits of plan" in err, err


def test_honest_history_is_verified_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every step ap makes (start, grant, fail, merge, accomplish, retry) passes the
    content check, as on a machine that has never seen the branch."""
    flow = hostile_flow(tmp_path, capsys, monkeypatch, "")
    flow.ok("scope", "request", "T1", "docs/auth.md", "--why", "the guide says how")
    flow.submit("T1", {"src/auth/jwt.py": "x\n", "docs/auth.md": "guide\n"})
    flow.drop_worktrees()
    monkeypatch.setenv("FAIL_T2", "1")
    code, _, err = flow.ap("run")  # T2 fails, T1 merges, T3 is blocked; accomplished
    assert code == 1, err
    assert flow.plan_statuses() == {"T1": "merged", "T2": "failed", "T3": "blocked"}
    monkeypatch.delenv("FAIL_T2")
    flow.ok("retry", "T2", "--worker", "py")  # T2 again, then T3; accomplished again
    assert set(flow.plan_statuses().values()) == {"merged"}
    _verify_from_scratch(flow)
    steps = git(flow.root, "log", "--format=%B", flow.integration).count("AP-Step:")
    assert steps >= 9


CHAIN = """\
request: A chain
objectives:
  - id: T1
    title: Tokens
    scope_touch: [src/auth/]
  - id: T2
    title: Routes
    scope_touch: [src/api/]
    depends_on: [T1]
    integration_points: ["calls auth"]
  - id: T3
    title: Tests
    scope_touch: [tests/]
    depends_on: [T2]
    integration_points: ["tests the routes"]
"""


def test_a_retry_that_frees_a_chain_is_verified_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = hostile_flow(tmp_path, capsys, monkeypatch, "", CHAIN)
    monkeypatch.setenv("FAIL_T1", "1")
    code, _, err = flow.ap("run")
    assert code == 1, err
    assert flow.plan_statuses() == {"T1": "failed", "T2": "blocked", "T3": "blocked"}
    monkeypatch.delenv("FAIL_T1")
    flow.ok("retry", "T1", "--worker", "py")  # frees T2, and T3 below it
    assert set(flow.plan_statuses().values()) == {"merged"}
    _verify_from_scratch(flow)


def _verify_from_scratch(flow: Flow) -> None:
    """Check the branch's whole history by content, as a machine that never saw it would."""
    import shutil

    from ap.core.config import ApConfig
    from ap.git import Git
    from ap.run import integrity
    from ap.run.ledger import Ledger

    shutil.rmtree(Git(flow.root).git_dir() / "ap" / "cache" / "integrity")
    integrity._KNOWN.clear()
    ledger = Ledger(Git(flow.root), ApConfig(), flow.plan_id)
    tip = ledger.require_tip()
    ledger.verify(tip)  # from the plan's first commit: every step is ap's
    assert tip in ledger.trust


def test_a_branch_checked_out_in_a_worktree_is_not_moved(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "x\n"})
    flow.submit("T2", {"src/api/routes.py": "y\n"})
    elsewhere = flow.root.parent / "looking"
    git(flow.root, "worktree", "add", "-q", str(elsewhere), flow.integration)
    tip = git(flow.root, "rev-parse", flow.integration).strip()
    for command in ("merge-wave", "start", "accomplish", "run"):
        code, _, err = flow.ap(command)
        assert code == 1, (command, err)
        assert f"{flow.integration} is checked out in {elsewhere}" in err, err
        assert f"git -C {elsewhere} switch -" in err
    assert git(flow.root, "rev-parse", flow.integration).strip() == tip
    assert git(elsewhere, "status", "--porcelain") == ""
    git(elsewhere, "checkout", "-q", "--detach")
    flow.ok("merge-wave")


def test_the_main_worktree_on_the_integration_branch_is_refused(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "x\n"})
    flow.submit("T2", {"src/api/routes.py": "y\n"})
    for path in (flow.root / "docs").rglob("*.md"):
        if "plans" in path.parts or "analyses" in path.parts:
            path.unlink()  # (the plan is on its branch; the checkout's copy is in the way)
    git(flow.root, "switch", "-q", flow.integration)
    tip = git(flow.root, "rev-parse", flow.integration).strip()
    code, _, err = flow.ap("merge-wave")
    assert code == 1 and f"is checked out in {flow.root}" in err, err
    assert git(flow.root, "rev-parse", flow.integration).strip() == tip
    assert git(flow.root, "status", "--porcelain") == ""


def test_a_hand_edited_plan_on_the_branch_is_validated(flow: Flow) -> None:
    """Defence in depth: even a plan ap would take for its own is validated before use."""
    from ap.core.config import ApConfig
    from ap.core.errors import PlanInvalid
    from ap.git import Git
    from ap.run import integrity
    from ap.run.ledger import Ledger

    ledger = Ledger(Git(flow.root), ApConfig(), flow.plan_id)
    plan = ledger.load()
    plan.objectives[1].scope_touch = ["src/"]  # T2 now overlaps T1 in wave 1
    with pytest.raises(PlanInvalid) as caught:
        integrity.validate_tip(ledger, plan)
    assert "scope_overlap" in caught.value.message and "T1 and T2" in caught.value.message
    integrity.validate_tip(ledger, ledger.load())  # the committed one is valid


def test_a_no_change_merge_is_verified_from_scratch(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "x\n"})
    flow.ok("submit", "--no-change", cwd=flow.worktree("T2"))
    flow.ok("merge-wave")
    assert flow.plan_statuses() == {"T1": "merged", "T2": "no_change", "T3": "pending"}
    _verify_from_scratch(flow)


@pytest.mark.parametrize("status", ["merged", "no_change"])
def test_a_merge_recording_a_change_as_no_change_is_refused(flow: Flow, status: str) -> None:
    from ap.core.config import ApConfig
    from ap.core.errors import CheckFailed
    from ap.core.models import ObjectiveStatus
    from ap.git import Git
    from ap.run.ledger import Ledger, render_plan

    flow.submit("T1", {"src/auth/jwt.py": "x\n"})
    ledger = Ledger(Git(flow.root), ApConfig(), flow.plan_id)
    plan = ledger.load()
    t1 = plan.objective("T1")
    assert t1 is not None
    t1.status, t1.head = ObjectiveStatus(status), git(flow.root, "rev-parse", flow.branch("T1"))
    t1.head = t1.head.strip()
    report = f"docs/sessions/{flow.plan_id}/T1.md"
    files = {
        _plan_path(flow): render_plan(plan),
        "src/auth/jwt.py": "x\n",
        report: Git(flow.root).show_file(flow.branch("T1"), report) or "",
    }
    forged = _forge(flow, _steps(flow, "merge", wave="1"), files, parents=2)
    if status == "merged":  # the same merge, honest: ap's
        ledger.verify(forged)
        return
    with pytest.raises(CheckFailed, match="records T1 as no change, but T1 changed src/auth"):
        ledger.verify(forged)
