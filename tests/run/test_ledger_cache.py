"""The ledger's plan cache hands out plans no caller can change for the next one."""

from __future__ import annotations

from ap.core.models import CoordinationPlan, Objective, ObjectiveStatus
from ap.run.ledger import _PlanCache


def test_a_plan_from_the_cache_is_the_callers_own() -> None:
    cache = _PlanCache()
    plan = CoordinationPlan(id="p", objectives=[Objective(id="T1", title="one")], waves=[["T1"]])
    cache.put("c1", "docs/plans/PLAN_p.md", plan)
    plan.objectives[0].status = ObjectiveStatus.FAILED  # the putter's later changes don't count
    first = cache.get("c1", "docs/plans/PLAN_p.md")
    assert first is not None and first.objectives[0].status == ObjectiveStatus.PENDING
    first.objectives[0].status = ObjectiveStatus.MERGED
    first.objectives[0].scope_touch.append("src/")
    first.waves[0].append("T2")
    again = cache.get("c1", "docs/plans/PLAN_p.md")
    assert again == CoordinationPlan(
        id="p",
        objectives=[Objective(id="T1", title="one")],
        waves=[["T1"]],
        created_at=plan.created_at,
    )
    assert cache.get("c2", "docs/plans/PLAN_p.md") is None
