"""`ap demo`: the whole cycle on a sample repository, and what it shows on the way — each
worker's Change Summary in the accomplishment, a filed note, the managed sections, and a
second request whose analysis cites the first plan. Read from the sample's artifacts."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ap.cli import main
from ap.core.models import AccomplishmentReport, AnalysisReport, CoordinationPlan
from ap.run import ledger
from ap.run.scriptworker import apply
from ap.setup.demo import FILES, FOLLOW_UP, NOTE, RECIPE
from ap.state.sections import read_section
from ap.state.store import from_markdown
from tests.run.conftest import git


@dataclass
class Demo:
    code: int
    repo: Path
    plan_id: str
    integration: str
    events: list[dict[str, Any]]
    cached: list[tuple[tuple[str, str], Any]]  # the plans the run kept parsed, by commit

    def show(self, path: str, rev: str | None = None) -> str:
        return git(self.repo, "show", f"{rev or self.integration}:{path}")

    def accomplishment(self) -> AccomplishmentReport:
        rel = f"docs/accomplishments/ACCOMPLISHMENT_{self.plan_id}.md"
        return from_markdown(AccomplishmentReport, self.show(rel), where=rel)

    def said(self) -> dict[str, Any]:
        """The demo's last word: the summary it prints."""
        return [e for e in self.events if e["type"] == "message" and "plan_id" in e][-1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One ``ap demo --json`` for the module (it runs two requests: seconds, not less)."""
    ledger._PLANS._plans.clear()  # the first test checks what the run keeps
    folder = tmp_path_factory.mktemp("demo") / "demo"
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["demo", "--dir", str(folder), "--json"])
    cached = list(ledger._PLANS._plans.items())
    repo = folder / "bookshop"
    integration = git(
        repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/ap/*/integration"
    ).strip()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    return Demo(code, repo, integration.split("/")[1], integration, events, cached)


def test_demo_runs_the_whole_cycle(demo: Demo, tmp_path: Path) -> None:
    assert demo.code == 0, demo.events[-3:]
    repo, integration, plan_id = demo.repo, demo.integration, demo.plan_id
    log = git(repo, "log", "--format=%H %P%x00%B%x00", integration)
    merges = git(repo, "rev-list", "--merges", integration).split()
    waves = json.loads(
        subprocess.run(
            [sys.executable, "-m", "ap", "show", plan_id, "--json"],
            cwd=repo, capture_output=True, text=True, check=True,
        ).stdout.splitlines()[-1]
    )["plan"]["waves"]  # fmt: skip
    assert len(waves) >= 2 and sum(len(w) for w in waves) == 6
    assert len(merges) == len(waves)  # one merge commit per wave
    assert "AP-Step: accomplish" in git(repo, "log", "-1", "--format=%B", integration)
    assert log.count("AP-Step: merge") == len(waves)
    # The final tree is every recipe applied to the sample.
    expected_root = tmp_path / "expected"
    for rel, text in FILES.items():
        (expected_root / rel).parent.mkdir(parents=True, exist_ok=True)
        (expected_root / rel).write_text(text)
    for steps in RECIPE.values():
        apply(expected_root, steps)
    for path in expected_root.rglob("*"):
        rel = path.relative_to(expected_root).as_posix()
        if path.is_file() and rel not in ("README.md", "PRD.md"):  # managed: checked below
            assert demo.show(rel) == path.read_text(), rel
    plan = demo.show(f"docs/plans/PLAN_{plan_id}.md")
    assert plan.count("status: merged") == 6
    assert len(git(repo, "worktree", "list").splitlines()) == 1  # the run's worktrees are gone
    # Every plan the run kept parsed (by commit) is the plan git holds in that commit.
    assert len(demo.cached) >= 2 * len(waves)
    for (commit, rel), kept in demo.cached:
        parsed = from_markdown(CoordinationPlan, git(repo, "show", f"{commit}:{rel}"), where=rel)
        assert parsed == CoordinationPlan.model_validate(kept), commit


def test_the_accomplishment_holds_each_workers_change_summary(demo: Demo) -> None:
    report = demo.accomplishment()
    for outcome in report.objectives:
        (given,) = [s["summary"] for s in RECIPE[outcome.id] if "summary" in s]
        said = outcome.change_summary
        assert said is not None, outcome.id
        assert said.changed == given["What changed"]
        assert said.commit == given["Proposed commit"]
        assert said.tests == given["Tests"] and said.lint == given["Lint"]
        assert said.limitations == given["Limitations"]
    limits = [i for i in report.known_issues if i.kind == "limitation"]
    assert [i.objective for i in limits] == ["T2"]
    text = demo.show(f"docs/accomplishments/ACCOMPLISHMENT_{demo.plan_id}.md")
    assert "## Known issues" in text and limits[0].text in " ".join(text.split())


def test_the_note_left_in_the_root_is_filed(demo: Demo) -> None:
    filed = f"docs/sessions/{demo.plan_id}/notes/NOTES.md"
    assert demo.show(filed) == NOTE
    assert demo.accomplishment().notes == [filed]
    assert not (demo.repo / "NOTES.md").exists()  # filed, so the loose copy is gone


@pytest.mark.parametrize(
    ("name", "section"),
    [("README.md", "accomplishments"), ("PRD.md", "requirements"), ("AGENTS.md", "learnings")],
)
def test_the_managed_sections_name_the_plan(demo: Demo, name: str, section: str) -> None:
    content = read_section(demo.show(name), section)
    assert content is not None and demo.plan_id in content, name
    if name != "AGENTS.md":  # (AGENTS.md is written by ap init)
        assert demo.show(name).startswith(FILES[name])  # the owner's text stays as it was


def test_the_second_request_learns_from_the_first_plan(demo: Demo) -> None:
    # The accomplished plan was merged (as its pull request would be), then analysed anew.
    assert git(demo.repo, "rev-parse", "main") == git(demo.repo, "rev-parse", demo.integration)
    said = demo.said()
    rel = f"docs/analyses/ANALYSIS_{said['analysis_id']}.md"
    analysis = from_markdown(
        AnalysisReport, (demo.repo / rel).read_text(encoding="utf-8"), where=rel
    )
    assert analysis.request == FOLLOW_UP and analysis.analyst == "heuristic"
    (cited,) = analysis.past_plans
    assert cited.plan_id == demo.plan_id
    assert {"src/bookshop/pricing.py", "src/bookshop/api.py"} <= set(cited.boosted)
    t2_limit = [i.text for i in demo.accomplishment().known_issues if i.objective == "T2"]
    assert any(t2_limit[0] in k for k in cited.known_issues)  # the first plan's limitation
    assert said["learned_from"] == [demo.plan_id]
    assert said["raised"] == cited.boosted


def test_the_summary_points_at_what_to_look_at(demo: Demo) -> None:
    message = demo.said()["message"]
    for what in (
        f"ACCOMPLISHMENT_{demo.plan_id}.md",
        "change summaries",
        "contracts kept",
        "known issues",
        f"docs/sessions/{demo.plan_id}/notes/NOTES.md",
        "README.md, PRD.md, AGENTS.md",
        f"learned from plan {demo.plan_id}",
        f"ANALYSIS_{demo.said()['analysis_id']}.md",
    ):
        assert what in message, what


def test_the_contracts_are_checked_on_each_merged_wave(demo: Demo) -> None:
    expected = {
        ("T1", "T5", "src/bookshop/catalog.py:search"),
        ("T3", "T5", "src/bookshop/cart.py:Cart.total"),
        ("T2", "T6", "src/bookshop/pricing.py:price"),
        ("T5", "T6", "src/bookshop/api.py:order"),
    }
    rel = f"docs/plans/PLAN_{demo.plan_id}.md"
    plan = from_markdown(CoordinationPlan, demo.show(rel), where=rel)
    promised = {(c.provider, c.consumer, c.symbol) for c in plan.integration_contracts}
    assert promised == expected
    checked = demo.accomplishment().contracts
    assert {(c.provider, c.consumer, c.symbol) for c in checked} == expected
    assert all(c.passed for c in checked)
    kept = [e["message"] for e in demo.events if e["type"] == "contract_checked"]
    assert "contract kept: T1 provides src/bookshop/catalog.py:search to T5" in kept
    assert not [e for e in demo.events if e["type"] == "contract_broken"]
