"""One merge-time branch check: ``check_branch`` (``ap check-scope --branch``, the
Action's status check) is ``check_branches`` (``ap merge-wave``) of one branch, so a
branch gets the same verdict from each, whatever its history."""

from __future__ import annotations

from typing import Any

import pytest

from ap.git import Git
from ap.run.enforce import CheckOutcome, Settings, check_branch, check_branches, plan_data
from tests.run.conftest import Flow, git


def _verdict(outcome: CheckOutcome | None) -> tuple[Any, ...]:
    assert outcome is not None
    return (
        outcome.base,
        [(v.path, v.reason) for v in outcome.violations],
        sorted(e.path for e in outcome.entries),
    )


def _work(flow: Flow) -> None:
    flow.write("T1", {"src/auth/jwt.py": "mine\n", "src/api/routes.py": "stolen\n"})
    git(flow.worktree("T1"), "add", "-A")
    flow.forge_done("T1")
    flow.write("T2", {"src/api/routes.py": "ours\n"})
    git(flow.worktree("T2"), "add", "-A")
    flow.forge_done("T2")


@pytest.mark.parametrize("start", ["recorded", "unknown", "missing"])
def test_one_branch_or_many_get_the_same_verdict(flow: Flow, start: str) -> None:
    _work(flow)
    gitx = Git(flow.root)
    settings = Settings()
    plan = plan_data(gitx, settings, flow.plan_id)
    for objective in plan["objectives"]:
        if start == "unknown":
            objective["base"] = "0" * 40
        elif start == "missing":
            objective.pop("base", None)
    branches = [flow.branch("T1"), flow.branch("T2")]
    tips = {b: flow.repo.git("rev-parse", b).strip() for b in branches}
    together = check_branches(gitx, settings, tips, plan)
    for branch in branches:
        alone = check_branch(gitx, settings, branch, plan)
        assert _verdict(alone) == _verdict(together[branch])
    assert not together[flow.branch("T2")].violations
    assert [v.path for v in together[flow.branch("T1")].violations] == ["src/api/routes.py"]


def test_a_rewritten_branch_is_refused_either_way(flow: Flow) -> None:
    wt = flow.worktree("T2")
    git(wt, "checkout", "-q", "--orphan", "tmp")
    git(wt, "rm", "-rq", "--cached", ".")
    (wt / "src/api/routes.py").write_text("rewritten\n")
    git(wt, "add", "src/api/routes.py")
    git(wt, "commit", "-q", "--no-verify", "-m", "orphan")
    git(wt, "branch", "-f", flow.branch("T2"), "tmp")
    gitx = Git(flow.root)
    settings = Settings()
    plan = plan_data(gitx, settings, flow.plan_id)
    branch = flow.branch("T2")
    tip = flow.repo.git("rev-parse", branch).strip()
    alone = check_branch(gitx, settings, branch, plan)
    together = check_branches(gitx, settings, {branch: tip}, plan)[branch]
    assert _verdict(alone) == _verdict(together)
    assert "the branch was rewritten" in together.violations[0].reason
