"""`ap status` on a started plan: live statuses off the objective branches, read in bulk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ap.git import Git
from tests.run.conftest import planned_flow

MANY = "request: many\nobjectives:\n" + "".join(
    f"  - id: T{i}\n    title: part {i}\n    scope_touch: [src/p{i}/]\n" for i in range(1, 9)
)


def test_status_reads_every_running_branch_with_a_few_git_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = planned_flow(tmp_path / "repo", capsys, MANY, {"README.md": "x\n"})
    flow.forge_done("T3")
    spawned: list[tuple[str, ...]] = []
    real = Git.run_bytes

    def counted(self: Git, *args: str, **kwargs: Any) -> Any:
        spawned.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Git, "run_bytes", counted)
    shown = flow.ok("status")
    rows = {line.split()[0]: line for line in shown.splitlines() if line.strip().startswith("T")}
    assert "done" in rows["T3"] and "running" in rows["T4"], shown
    assert len(spawned) < 8, spawned  # not one (or two) per running objective


def test_the_estimate_learns_from_past_accomplishments_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ap.state.digests
    from ap.core.config import ApConfig
    from ap.core.models import AccomplishmentReport, ObjectiveOutcome, ObjectiveStatus
    from ap.run.status import plan_status
    from ap.state.store import Store

    flow = planned_flow(tmp_path / "repo", capsys, MANY, {"README.md": "x\n"})
    store = Store(flow.root)
    for n, seconds in enumerate((40.0, 80.0, 400.0)):  # 10, 20, 100 s per objective
        outcomes = [
            ObjectiveOutcome(id=f"T{i}", title="t", status=ObjectiveStatus.MERGED) for i in range(4)
        ]
        store.save(
            AccomplishmentReport(id=f"past-{n}", plan_id="x", objectives=outcomes, duration=seconds)
        )
    git = Git(flow.root)
    assert plan_status(git, ApConfig(), flow.plan_id).estimated_remaining == 8 * 20.0
    read: list[str] = []
    real = ap.state.digests.from_markdown
    monkeypatch.setattr(
        ap.state.digests,
        "from_markdown",
        lambda m, t, *, where: read.append(where) or real(m, t, where=where),
    )
    assert plan_status(git, ApConfig(), flow.plan_id).estimated_remaining == 8 * 20.0
    assert read == []
