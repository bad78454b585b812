"""Every way out of a scope we know of, each committed past the hook: none lands.

T2 (scope ``src/api/``) attacks while T1 (``src/auth/``) works honestly; the
merge keeps T1, fails T2 with the reason, and the integration branch gets none
of T2's changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.run.conftest import OBJECTIVES, Flow, git, planned_flow


def edit_outside(flow: Flow, wt: Path) -> None:
    (wt / "src/auth/jwt.py").write_text("stolen\n")


def rename_into_scope(flow: Flow, wt: Path) -> None:
    git(wt, "mv", "src/auth/jwt.py", "src/api/jwt.py")


def delete_outside(flow: Flow, wt: Path) -> None:
    git(wt, "rm", "-q", "docs/guide.md")


def symlink_out_of_scope(flow: Flow, wt: Path) -> None:
    (wt / "src/api/link.py").symlink_to("../auth/jwt.py")


def symlink_out_of_repo(flow: Flow, wt: Path) -> None:
    (wt / "src/api/passwd").symlink_to("/etc/passwd")


def gitlink(flow: Flow, wt: Path) -> None:
    head = git(wt, "rev-parse", "HEAD").strip()
    git(wt, "update-index", "--add", "--cacheinfo", f"160000,{head},src/api/vendor")


def case_variant_of_forbidden(flow: Flow, wt: Path) -> None:
    (wt / ".GitHub/Workflows").mkdir(parents=True)
    (wt / ".GitHub/Workflows/ci.yml").write_text("on: push\n")


def nfd_path(flow: Flow, wt: Path) -> None:
    (wt / "src/api/cafe\u0301.py").write_text("x\n")


def edit_the_plan(flow: Flow, wt: Path) -> None:
    plan = wt / f"docs/plans/PLAN_{flow.plan_id}.md"
    plan.write_text(plan.read_text().replace("src/api/", "src/"))


def add_a_workflow(flow: Flow, wt: Path) -> None:
    (wt / ".github/workflows").mkdir(parents=True)
    (wt / ".github/workflows/ci.yml").write_text("on: push\n")


ATTACKS: dict[str, tuple[Callable[[Flow, Path], None], str]] = {
    "edit-outside-no-verify": (edit_outside, "src/auth/jwt.py: forbidden by 'src/auth/'"),
    "rename-into-scope": (rename_into_scope, "src/auth/jwt.py: forbidden by 'src/auth/'"),
    "delete-outside": (delete_outside, "docs/guide.md: outside scope_touch"),
    "symlink-to-other-scope": (symlink_out_of_scope, "symlink target 'src/auth/jwt.py'"),
    "symlink-out-of-repo": (symlink_out_of_repo, "outside the repository"),
    "gitlink": (gitlink, "gitlinks (submodules) are not allowed"),
    "case-variant": (case_variant_of_forbidden, "forbidden by '.github/workflows/'"),
    "nfd-path": (nfd_path, "not in Unicode NFC form"),
    "edit-the-plan": (edit_the_plan, "forbidden by 'docs/plans/'"),
    "workflow": (add_a_workflow, "forbidden by '.github/workflows/'"),
}


def _assert_refused(flow: Flow, reason: str, before: dict[str, str]) -> None:
    code, _, err = flow.ap("merge-wave")
    assert code == 1, err
    assert flow.plan_statuses()["T2"] == "failed"
    assert flow.plan_statuses()["T1"] == "merged"
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert reason in plan.replace("''", "'").replace("\n      ", " "), plan
    after = flow.tree(flow.integration)
    t1_paths = {"src/auth/jwt.py", f"docs/sessions/{flow.plan_id}/T1.md"}
    for path in before.keys() | after.keys():
        if path in t1_paths or path.startswith("docs/plans/"):
            continue
        assert before.get(path) == after.get(path), path  # nothing of T2 landed


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_attack_does_not_land(flow: Flow, attack: str) -> None:
    action, reason = ATTACKS[attack]
    before = flow.tree(flow.integration)
    flow.submit("T1", {"src/auth/jwt.py": "honest\n"})
    wt = flow.worktree("T2")
    (wt / "src/api/routes.py").write_text("ROUTES = ['/x']\n")
    git(wt, "add", "-A")
    action(flow, wt)
    if action is not gitlink:  # `add -A` would drop a gitlink with no repository behind it
        git(wt, "add", "-A")
    flow.forge_done("T2")
    _assert_refused(flow, reason, before)
    assert flow.show(flow.integration, "src/auth/jwt.py") == "honest\n"


def test_the_hook_refuses_the_same_attacks(flow: Flow) -> None:
    flow.ok("hook", "install")
    for attack, (action, reason) in ATTACKS.items():
        wt = flow.worktree("T2")
        action(flow, wt)
        if action is not gitlink:
            git(wt, "add", "-A")
        code, _, err = flow.ap("check-scope", "--staged", cwd=wt)
        assert code == 1, attack
        assert reason.split(":")[-1].strip().strip("'") in err.replace("''", "'"), (attack, err)
        git(wt, "reset", "-q", "--hard")
        git(wt, "clean", "-qfdx")


def test_rewritten_branch_is_refused(flow: Flow) -> None:
    before = flow.tree(flow.integration)
    flow.submit("T1", {"src/auth/jwt.py": "honest\n"})
    wt = flow.worktree("T2")
    # The branch is force-moved onto a history that lacks its start commit (main before the plan).
    git(wt, "reset", "-q", "--hard", "main")
    (wt / "src/api/routes.py").write_text("rewritten\n")
    git(wt, "add", "-A")
    flow.forge_done("T2")
    _assert_refused(flow, "the branch was rewritten", before)


RENAME_OBJECTIVES = """\
request: Move the old package
objectives:
  - id: T1
    title: Move pkg/old to pkg/new
    scope_touch: [pkg/old/a.py, pkg/old/b.py, pkg/new/]
  - id: T2
    title: Add a module to the old package
    scope_touch: [pkg/old/c.py]
"""


def test_directory_rename_does_not_move_a_new_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"README.md": "# x\n", "pkg/old/a.py": "a = 1\n", "pkg/old/b.py": "b = 2\n"}
    flow = planned_flow(tmp_path / "repo", capsys, RENAME_OBJECTIVES, files)
    wt = flow.worktree("T1")
    (wt / "pkg/new").mkdir()
    git(wt, "mv", "pkg/old/a.py", "pkg/new/a.py")
    git(wt, "mv", "pkg/old/b.py", "pkg/new/b.py")
    flow.ok("submit", cwd=wt)
    flow.submit("T2", {"pkg/old/c.py": "c = 3\n"})
    flow.ok("merge-wave")
    tree = flow.tree(flow.integration)
    assert "pkg/old/c.py" in tree  # where T2 put it, not silently moved
    assert "pkg/new/c.py" not in tree
    assert {"pkg/new/a.py", "pkg/new/b.py"} <= tree.keys()
    assert "pkg/old/a.py" not in tree


def test_union_check_refuses_a_silent_move(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If git ever moved a path no objective moved, merge-wave refuses the whole wave."""
    from ap.core.config import ApConfig
    from ap.core.errors import MergeConflict
    from ap.git import Git
    from ap.run.ledger import Ledger
    from ap.run.merge import Ready, check_union, collect

    flow = planned_flow(tmp_path / "repo", capsys, OBJECTIVES)
    flow.submit("T1", {"src/auth/jwt.py": "honest\n"})
    flow.submit("T2", {"src/api/routes.py": "ok\n"})
    g = Git(flow.root)
    ledger = Ledger(g, ApConfig(), flow.plan_id)
    tip = ledger.require_tip()
    ready, _ = collect(g, ledger, ledger.load(tip), 1)
    # A "merged" result with T2's change, but T2's file also moved somewhere else.
    moved = g.tree_with(ready[1].tip, {"src/api/routes.py": None, "src/moved.py": b"ok\n"})
    forged = g.commit_tree(moved, [tip], "forged")
    with pytest.raises(MergeConflict, match=r"src/moved\.py"):
        check_union(g, tip, forged, ready)
    assert isinstance(ready[0], Ready)
