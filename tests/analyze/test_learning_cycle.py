"""Learning from real ap runs: plans planned, run, accomplished and merged by ap itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ap.cli import main
from tests.helpers import Repo, make_repo

MARKED = "<!-- ap:accomplishments -->\n<!-- /ap:accomplishments -->\n"
FILES = {
    "README.md": f"# shop\n\nA shop.\n\n{MARKED}",
    "PRD.md": f"# Requirements\n\n{MARKED}",
    "shop/cart.py": "class Cart:\n    def total(self):\n        return 0\n",
    "shop/pricing.py": "def discount(amount):\n    return amount\n",
    "shop/auth/tokens.py": "def issue_token(user):\n    return user\n",
    "shop/orders.py": "def place(cart):\n    return cart\n",
    "tests/test_cart.py": "from shop.cart import Cart\n",
    "tests/test_pricing.py": "from shop.pricing import discount\n",
}
PLANS = [
    ("Cart discount rounding for vouchers", ["shop/pricing.py", "tests/test_pricing.py"]),
    ("Login tokens expire after a day", ["shop/auth/tokens.py"]),
    ("Orders keep the shipping address", ["shop/orders.py"]),
]


class Shop:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        self.repo: Repo = make_repo(root, FILES)
        self.ap("init")
        self.repo.commit("chore: ap init")

    def ap(self, *args: str, cwd: Path | None = None) -> str:
        code = main(["-C", str(cwd or self.root), *args])
        out, err = self.capsys.readouterr()
        assert code == 0, err
        self.err = err
        return out

    def accomplish(self, n: int, request: str, files: list[str]) -> str:
        """Plan ``request`` as one objective, run it by hand, accomplish it, merge it."""
        objectives = self.root.parent / "objectives.yaml"
        objectives.write_text(
            f"request: {request}\nobjectives:\n  - id: T1\n    title: work\n"
            f"    scope_touch: {json.dumps(files)}\n",
            encoding="utf-8",
        )
        self.ap("plan", "--from", str(objectives))
        plan_id = max(p.stem for p in (self.root / "docs/plans").glob("PLAN_*.md"))[5:]
        self.ap("start")
        worktree = self.root.parent / f"wt-{n}"
        self.repo.git("worktree", "add", "-q", str(worktree), f"ap/{plan_id}/T1")
        for path in files:
            target = worktree / path
            target.write_text(target.read_text(encoding="utf-8") + f"# {request}\n")
        self.ap("submit", "-m", "work", cwd=worktree)
        self.ap("merge-wave")
        self.ap("accomplish")
        self.repo.git(
            "merge", "-q", "--no-ff", "-m", f"Merge {plan_id}", f"ap/{plan_id}/integration"
        )
        return plan_id

    def analysis(self, request: str) -> dict[str, object]:
        out = self.ap("analyze", "--json", request)
        final = json.loads(out.splitlines()[-1])
        assert final["type"] == "phase_complete"
        report: dict[str, object] = final["report"]
        return report


def test_past_runs_teach_the_code_not_the_managed_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = Shop(tmp_path / "shop", capsys)
    ids = [shop.accomplish(n, request, files) for n, (request, files) in enumerate(PLANS)]
    report = shop.analysis("Cart vouchers should round discounts to cents")
    ranking = [c["path"] for c in report["candidate_files"]]  # type: ignore[index]
    assert ranking[0] == "shop/pricing.py", ranking
    last_code = max(n for n, path in enumerate(ranking) if path.startswith("shop/"))
    for managed in ("README.md", "PRD.md", "AGENTS.md"):
        assert managed not in ranking[:last_code], ranking  # below every code file
    assert not any(p.startswith("docs/") for p in ranking), ranking
    cited = {c["plan_id"]: c for c in report["past_plans"]}  # type: ignore[index]
    assert list(cited) == [ids[0]], cited  # the login and orders plans changed nothing here
    assert "shop/pricing.py" in cited[ids[0]]["boosted"]
    stored = (tmp_path / "shop/docs/analyses").glob("ANALYSIS_*.md")
    assert any(ids[0] in p.read_text(encoding="utf-8") for p in stored)
    said = shop.ap("analyze", "Cart vouchers should round discounts to cents")
    assert f"learned from past plan(s) {ids[0]}" in said + shop.err


def test_an_unmerged_plan_is_learned_from_its_integration_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = Shop(tmp_path / "shop", capsys)
    objectives = tmp_path / "objectives.yaml"
    objectives.write_text(
        "request: Cart vouchers at checkout\nobjectives:\n  - id: T1\n    title: vouchers\n"
        "    scope_touch: [shop/cart.py, tests/test_cart.py]\n",
        encoding="utf-8",
    )
    shop.ap("plan", "--from", str(objectives))
    shop.ap("start")  # running: its plan is only on ap/<id>/integration
    shop.repo.git("checkout", "-q", "--", ".")
    shop.repo.git("clean", "-qfd", "docs")
    report = shop.analysis("Vouchers on the cart total")
    [citation] = report["past_plans"]  # type: ignore[misc]
    assert citation["status"] == "running" and citation["where"].endswith("/integration")
    assert "shop/cart.py" in citation["boosted"]


def test_the_managed_sections_are_not_the_files_words(tmp_path: Path) -> None:
    from ap.analyze.index import build_index
    from ap.git import Git

    text = (
        "# shop\n<!-- ap:accomplishments -->\n- vouchers done\n<!-- /ap:accomplishments -->\nend\n"
    )
    repo = make_repo(tmp_path / "r", {"README.md": text, "NOTES.md": "- vouchers done\n"})
    files = build_index(Git(repo.root)).files
    assert "voucher" in files["NOTES.md"].terms
    assert "voucher" not in files["README.md"].terms and "end" in files["README.md"].terms
