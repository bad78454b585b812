"""The execution cycle on a real repository: start → submit → merge-wave → accomplish."""

from __future__ import annotations

import json
from pathlib import Path

from tests.run.conftest import Flow, git


def test_whole_cycle_two_waves(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "def issue(user):\n    return f'token:{user}'\n"})
    flow.submit("T2", {"src/api/routes.py": "ROUTES = ['/login']\n", "src/api/login.py": "x = 1\n"})
    out = flow.ok("merge-wave")
    assert "merged T1, T2" in out
    assert flow.ok("start").count("created 1 branch") == 1
    flow.submit("T3", {"tests/test_jwt.py": "def test_issue():\n    assert True\n"})
    flow.ok("merge-wave")
    flow.ok("accomplish")

    tip = flow.integration
    # One merge commit per wave, each with the integration tip and every objective tip as parents.
    merges = flow.repo.git("rev-list", "--merges", tip).split()
    assert len(merges) == 2
    parents = [flow.repo.git("rev-list", "--parents", "-n1", m).split()[1:] for m in merges]
    assert sorted(len(p) for p in parents) == [2, 3]
    for task in ("T1", "T2", "T3"):
        assert git(flow.root, "merge-base", "--is-ancestor", flow.branch(task), tip) == ""
    tree = flow.tree(tip)
    assert {"src/api/login.py", "tests/test_jwt.py", "src/auth/jwt.py"} <= tree.keys()
    assert "token:" in flow.show(tip, "src/auth/jwt.py")
    for task in ("T1", "T2", "T3"):
        assert f"docs/sessions/{flow.plan_id}/{task}.md" in tree
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}

    # The accomplishment commit: conventional message, AP trailers, report, managed sections.
    message = flow.repo.git("log", "-1", "--format=%B", tip)
    assert message.startswith("feat: add JWT authentication")
    assert f"AP-Plan: {flow.plan_id}" in message and "AP-Step: accomplish" in message
    report = flow.show(tip, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert "src/api/login.py" in report and "merged" in report
    for name, section in (("README.md", "accomplishments"), ("AGENTS.md", "learnings")):
        text = flow.show(tip, name)
        assert f"<!-- ap:{section} -->" in text and flow.plan_id in text
    assert "# shop" in flow.show(tip, "README.md")  # text outside the markers is kept

    # Re-running changes nothing.
    before = flow.repo.git("rev-parse", tip)
    assert "already accomplished" in flow.ok("accomplish")
    assert flow.repo.git("rev-parse", tip) == before
    assert "every wave" in flow.ok("merge-wave")
    assert "every wave" in flow.ok("start")
    assert "next:" not in flow.ok("status")  # the plan has ended


def test_start_is_idempotent_and_recreates_missing_branches(flow: Flow) -> None:
    tip = flow.repo.git("rev-parse", flow.integration)
    flow.repo.git("branch", "-D", flow.branch("T2"))
    out = flow.ok("start")
    assert "created 1 branch" in out
    assert flow.repo.git("rev-parse", flow.integration) == tip  # no new commit
    assert "branches already exist" in flow.ok("start")


def test_status_shows_waves_and_live_done(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "changed\n"})
    code, out, _ = flow.ap("status", "--json")
    assert code == 0
    status = json.loads(out.splitlines()[-1])
    rows = {o["task"]: o for o in status["objectives"]}
    assert rows["T1"]["status"] == "done"  # submitted, not merged yet
    assert rows["T2"]["status"] == "running"
    assert rows["T3"]["status"] == "pending"
    assert rows["T1"]["branch"] == flow.branch("T1")
    assert "wave 1" in flow.ok("status")
    # What moves the plan on from here: T2's work, then the merge, then the next wave.
    assert (
        status["next"] == "`ap run`, or `ap submit` on the branches of T2 when their work is done"
    )
    flow.submit("T2", {"src/api/routes.py": "changed\n"})
    assert "next: `ap merge-wave` merges wave 1 (or `ap run`)" in flow.ok("status")
    flow.ok("merge-wave")
    assert "next: `ap run` (or `ap start` for wave 2)" in flow.ok("status")


def test_merge_refuses_a_wave_that_is_not_done(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "changed\n"})
    tip = flow.repo.git("rev-parse", flow.integration)
    code, _, err = flow.ap("merge-wave")
    assert code == 1
    assert "T2" in err and "not ready" in err
    assert flow.repo.git("rev-parse", flow.integration) == tip


def test_refused_submit_changes_nothing(flow: Flow) -> None:
    wt = flow.write("T1", {"src/auth/jwt.py": "ok\n", "src/api/routes.py": "not mine\n"})
    head = git(wt, "rev-parse", "HEAD")
    index_before = git(wt, "diff", "--cached", "--name-only")
    code, _, err = flow.ap("submit", cwd=wt)
    assert code == 1
    assert "src/api/routes.py: forbidden by 'src/api/'" in err
    assert git(wt, "rev-parse", "HEAD") == head
    assert git(wt, "diff", "--cached", "--name-only") == index_before
    assert not (wt / f"docs/sessions/{flow.plan_id}/T1.md").exists()


def test_submit_needs_a_change_or_no_change(flow: Flow) -> None:
    wt = flow.worktree("T1")
    code, _, err = flow.ap("submit", cwd=wt)
    assert code == 2 and "--no-change" in err
    flow.ok("submit", "--no-change", cwd=wt)
    assert "AP-Status: done" in git(wt, "log", "-1", "--format=%B")


def test_submit_wraps_a_plain_worker_report(flow: Flow) -> None:
    response = "Did it.\n\n### Change Summary\n- src/auth/jwt.py: tokens\n"
    rel = f"docs/sessions/{flow.plan_id}/T1.md"
    wt = flow.write("T1", {"src/auth/jwt.py": "tokens\n", rel: response})
    flow.ok("submit", cwd=wt)
    saved = (wt / rel).read_text()
    assert saved.startswith("---\n") and "change_summary: '- src/auth/jwt.py: tokens'" in saved


def test_submit_off_an_objective_branch_is_a_usage_error(flow: Flow) -> None:
    code, _, err = flow.ap("submit")
    assert code == 2 and "not an objective branch" in err


def _with_gate(flow: Flow, command: str) -> None:
    # ap.yaml is read from the working tree; the gate runs in a throwaway worktree.
    (flow.root / "ap.yaml").write_text(f"gates:\n  - name: check\n    command: {command}\n")


def test_failing_gate_moves_nothing(flow: Flow) -> None:
    _with_gate(flow, "test ! -e src/api/bad.py")
    flow.submit("T1", {"src/auth/jwt.py": "changed\n"})
    flow.submit("T2", {"src/api/bad.py": "x\n"})
    tip = flow.repo.git("rev-parse", flow.integration)
    code, _, err = flow.ap("merge-wave")
    assert code == 1 and "gate 'check' failed" in err
    assert flow.repo.git("rev-parse", flow.integration) == tip
    assert not [w for w in flow.repo.git("worktree", "list").splitlines() if "ap-gates-" in w]
    # Nothing moved, so the plan cannot say it; `ap status` does, while the tip is the same.
    shown = flow.ok("status")
    assert "gate 'check' failed on this wave (exit 1)" in shown
    assert "next: fix the branches (or the gate 'check'), then `ap merge-wave`" in shown
    code, out, _ = flow.ap("status", "--json")
    assert json.loads(out.splitlines()[-1])["gate_failure"]["name"] == "check"
    # Once the wave merges (here: the gate fixed), the failure is history.
    _with_gate(flow, "test -e src/api/bad.py")
    flow.ok("merge-wave")
    shown = flow.ok("status")
    assert (
        "gate 'check' failed" not in shown and "next: `ap run` (or `ap start` for wave 2)" in shown
    )


def test_passing_gate_is_recorded(flow: Flow) -> None:
    _with_gate(flow, "test -e src/api/new.py")
    flow.submit("T1", {"src/auth/jwt.py": "changed\n"})
    flow.submit("T2", {"src/api/new.py": "x\n"})
    flow.ok("merge-wave")
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert "gate_results:" in plan and "passed: true" in plan


def test_failed_objective_blocks_only_its_dependants(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "changed\n"})
    flow.write("T2", {"src/auth/jwt.py": "stolen\n"})
    git(flow.worktree("T2"), "add", "-A")
    flow.forge_done("T2")
    code, _, err = flow.ap("merge-wave")
    assert code == 1 and "failed T2" in " ".join(err.split())
    assert flow.plan_statuses() == {"T1": "merged", "T2": "failed", "T3": "blocked"}
    assert flow.show(flow.integration, "src/auth/jwt.py") == "changed\n"
    # Every wave has ended, so the plan can be accomplished, honestly partial.
    flow.ok("accomplish")
    message = flow.repo.git("log", "-1", "--format=%B", flow.integration)
    assert "AP-Status: partial" in message
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert "src/auth/jwt.py" in report and "Scope violations caught" in report


def test_plan_path_resolution(flow: Flow, tmp_path: Path) -> None:
    assert flow.plan_id in flow.ok("status", flow.plan_id[:12])
    code, _, err = flow.ap("status", "nope")
    assert code == 2 and "no plan" in err


def test_accomplish_with_a_stale_guess_of_the_tip_commits_on_the_real_one(flow: Flow) -> None:
    from ap.core.config import load_config
    from ap.git import Git
    from ap.run.accomplish import accomplish

    flow.submit("T1", {"src/auth/jwt.py": "tokens\n"})
    flow.submit("T2", {"src/api/routes.py": "routes\n"})
    flow.ok("merge-wave")
    stale = git(flow.root, "rev-parse", flow.integration).strip()
    flow.ok("start")
    flow.submit("T3", {"tests/test_x.py": "def test(): pass\n"})
    flow.ok("merge-wave")
    tip = git(flow.root, "rev-parse", flow.integration).strip()
    repo = Git(flow.root)
    config = load_config(flow.root)
    outcome = accomplish(repo, config, flow.plan_id, emit=lambda ev: None, tip=stale)
    assert git(flow.root, "rev-parse", f"{outcome.commit}^").strip() == tip
    again = accomplish(repo, config, flow.plan_id, emit=lambda ev: None, tip=stale)
    assert again.already and again.commit == outcome.commit


def test_start_with_a_branch_already_there_commits_and_creates_the_others(flow: Flow) -> None:
    """The start commit and its new branches are one transaction; when a branch exists
    already (made by hand, or an interrupted start), the start still commits, that branch
    stays where it is and the others are created."""
    flow.drop_worktrees()
    draft = flow.show(f"{flow.integration}~1", f"docs/plans/PLAN_{flow.plan_id}.md")
    for branch in (flow.integration, flow.branch("T1"), flow.branch("T2")):  # not started yet
        git(flow.root, "branch", "-D", branch)
    flow.repo.write(f"docs/plans/PLAN_{flow.plan_id}.md", draft)  # (start took it away)
    elsewhere = flow.repo.git("rev-parse", "HEAD").strip()
    git(flow.root, "branch", flow.branch("T2"), elsewhere)
    out = flow.ok("start")
    assert "created 1 branch" in out
    assert git(flow.root, "rev-parse", flow.branch("T2")).strip() == elsewhere
    start = git(flow.root, "log", "-1", "--format=%B", flow.integration)
    assert "AP-Step: start" in start
    base = git(flow.root, "rev-parse", f"{flow.integration}^").strip()
    assert git(flow.root, "rev-parse", flow.branch("T1")).strip() == base
    assert flow.plan_statuses() == {"T1": "running", "T2": "running", "T3": "pending"}
