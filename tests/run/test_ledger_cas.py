"""Publishing on a stale tip changes nothing: the compare-and-swap every state change goes
through (two runs racing make one merge because of it)."""

from __future__ import annotations

from ap.core.config import ApConfig
from ap.core.models import PlanStatus
from ap.git import Git
from ap.run.ledger import Ledger, trailers
from tests.run.conftest import Flow, git


def _state(flow: Flow) -> tuple[str, str, str]:
    ref = f"refs/heads/{flow.integration}"
    return (
        git(flow.root, "rev-parse", ref).strip(),
        git(flow.root, "reflog", "show", "--format=%H %gs", ref),
        flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md"),
    )


def test_a_commit_on_a_stale_tip_is_not_published(flow: Flow) -> None:
    ledger = Ledger(Git(flow.root), ApConfig(), flow.plan_id)
    stale = ledger.require_tip()
    plan = ledger.load(stale)
    # Another process moves the branch first (a scope grant).
    flow.ok("scope", "request", "T1", "docs/auth.md", "--why", "the guide")
    before = _state(flow)
    assert before[0] != stale
    plan.status = PlanStatus.CANCELLED
    message = "chore(ap): cancel\n\n" + trailers(plan=flow.plan_id, step="cancel")
    assert ledger.commit(stale, plan, message, files={"x.txt": b"x\n"}) is None
    new_branch = f"refs/heads/ap/{flow.plan_id}/T9"
    assert ledger.commit_creating(stale, plan, message, {new_branch: stale}) == (None, False)
    assert git(flow.root, "for-each-ref", new_branch) == ""
    assert ledger.create(stale, plan, message, {}) is None  # the branch exists: not replaced
    assert _state(flow) == before
