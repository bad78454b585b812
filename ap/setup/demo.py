"""``ap demo``: the whole cycle on a throwaway repository, in seconds, with no API key.

A small bookshop project is created, a realistic request is planned over it (six
objectives in waves, the owner's objectives file), and ``ap run`` executes it with
the script worker — real processes, real branches, real merges — then the
accomplishment is written: each worker's Change Summary (one names a limitation),
the README/PRD/AGENTS managed sections, and the note left in the root, filed.
The accomplished plan is then merged into main, as its pull request would be, and a
second request on the same area is analysed by the heuristic analyst, which learns
from the first plan. Everything stays in one folder that is printed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ap.core.config import ApConfig, load_config
from ap.core.errors import UsageError
from ap.core.events import Emit, event
from ap.core.models import AnalysisReport
from ap.git import Git
from ap.run.execute import RunOutcome, run_plan

Step = dict[str, Any]  # one step of the script worker's recipe (ap/run/scriptworker.py)

REQUEST = "Add catalog search, discounts and an order API to the bookshop"
FOLLOW_UP = "Discount rules for the order API"

# Left untracked in the sample's root, as a person or an agent leaves notes; the
# accomplishment files it under docs/sessions/<plan>/notes/.
NOTE = (
    "# Notes\n\nCustomers asked for discounts per order, not only per book: "
    "worth a request once the order API is in.\n"
)

FILES = {
    "README.md": "# bookshop\n\nA tiny bookshop library.\n",
    "PRD.md": "# bookshop: requirements\n\nSell books: find them, price them, order them.\n",
    "src/bookshop/__init__.py": '"""A tiny bookshop."""\n',
    "src/bookshop/catalog.py": "BOOKS = [\n    {'title': 'Dune', 'price': 10.0},\n"
    "    {'title': 'Emma', 'price': 8.0},\n]\n",
    "src/bookshop/pricing.py": "def price(book):\n    return book['price']\n",
    "src/bookshop/cart.py": "class Cart:\n    def __init__(self):\n        self.items = []\n",
    "tests/test_catalog.py": "from bookshop.catalog import BOOKS\n\n\ndef test_books():\n"
    "    assert BOOKS\n",
    "docs/index.md": "# Bookshop docs\n",
}

OBJECTIVES = {
    "request": REQUEST,
    "objectives": [
        {
            "id": "T1",
            "title": "Catalog search",
            "scope_touch": ["src/bookshop/catalog.py", "tests/test_catalog.py"],
        },
        {
            "id": "T2",
            "title": "Discount rules",
            "scope_touch": ["src/bookshop/pricing.py", "tests/test_pricing.py"],
        },
        {
            "id": "T3",
            "title": "Cart totals",
            "scope_touch": ["src/bookshop/cart.py", "tests/test_cart.py"],
        },
        {"id": "T4", "title": "API guide", "scope_touch": ["docs/api.md"]},
        {
            "id": "T5",
            "title": "Order API",
            "scope_touch": ["src/bookshop/api.py", "tests/test_api.py"],
            "depends_on": ["T1", "T3"],
            "integration_points": [  # checkable: each named symbol, once its wave merges
                "uses `src/bookshop/catalog.py:search` and `src/bookshop/cart.py:Cart.total`"
            ],
        },
        {
            "id": "T6",
            "title": "Changelog",
            "scope_touch": ["CHANGELOG.md"],
            "depends_on": ["T2", "T5"],
            "integration_points": [
                "describes `src/bookshop/pricing.py:price` and `src/bookshop/api.py:order`"
            ],
        },
    ],
}

LINT = "none configured in the sample"


def _summary(changed: str, commit: str, tests: str, limitations: str = "none") -> Step:
    """A scripted worker's Change Summary: the fields a worker answers with."""
    fields = {"What changed": changed, "Proposed commit": commit, "Tests": tests}
    return {"summary": {**fields, "Lint": LINT, "Limitations": limitations}}


RECIPE: dict[str, list[Step]] = {
    "T1": [
        {
            "append": "src/bookshop/catalog.py",
            "content": "\n\ndef search(text):\n"
            "    return [b for b in BOOKS if text.lower() in b['title'].lower()]\n",
        },
        {
            "append": "tests/test_catalog.py",
            "content": "\n\ndef test_search():\n    from bookshop.catalog import search\n\n"
            "    assert search('du')[0]['title'] == 'Dune'\n",
        },
        _summary(
            "catalog.py: search(text) finds books by a part of their title; a test for it",
            "feat(catalog): search books by title",
            "tests/test_catalog.py::test_search",
        ),
    ],
    "T2": [
        {
            "write": "src/bookshop/pricing.py",
            "content": "def price(book, discount=0.0):\n"
            "    return round(book['price'] * (1 - discount), 2)\n",
        },
        {
            "write": "tests/test_pricing.py",
            "content": "from bookshop.pricing import price\n\n\ndef test_discount():\n"
            "    assert price({'price': 10.0}, 0.1) == 9.0\n",
        },
        _summary(
            "pricing.py: price(book, discount) applies a discount rate; a test for it",
            "feat(pricing): discount rates",
            "tests/test_pricing.py::test_discount",
            limitations="one flat rate per book: no discount rules per order or customer yet",
        ),
    ],
    "T3": [
        {
            "append": "src/bookshop/cart.py",
            "content": "\n    def add(self, book):\n        self.items.append(book)\n\n"
            "    def total(self):\n        return sum(b['price'] for b in self.items)\n",
        },
        {
            "write": "tests/test_cart.py",
            "content": "from bookshop.cart import Cart\n\n\ndef test_total():\n"
            "    cart = Cart()\n    cart.add({'price': 2.0})\n    assert cart.total() == 2.0\n",
        },
        _summary(
            "cart.py: Cart.add(book) and Cart.total(); a test for them",
            "feat(cart): cart totals",
            "tests/test_cart.py::test_total",
        ),
    ],
    "T4": [
        {"write": "docs/api.md", "content": "# API\n\n`order(titles)` returns a total.\n"},
        _summary("docs/api.md: a guide to order()", "docs(api): the order API", "none: a guide"),
    ],
    "T5": [
        {
            "write": "src/bookshop/api.py",
            "content": "from bookshop.cart import Cart\nfrom bookshop.catalog import search\n\n\n"
            "def order(titles):\n    cart = Cart()\n    for t in titles:\n"
            "        cart.add(search(t)[0])\n    return cart.total()\n",
        },
        {
            "write": "tests/test_api.py",
            "content": "from bookshop.api import order\n\n\ndef test_order():\n"
            "    assert order(['dune', 'emma']) == 18.0\n",
        },
        _summary(
            "api.py: order(titles) finds each book and totals the cart; a test for it",
            "feat(api): order books by title",
            "tests/test_api.py::test_order",
        ),
    ],
    "T6": [
        {
            "write": "CHANGELOG.md",
            "content": "# Changelog\n\n- Catalog search, discounts, cart totals, order API.\n",
        },
        _summary("CHANGELOG.md: the four features", "docs: changelog", "none: a changelog"),
    ],
}


@dataclass
class FollowUp:
    """The second request, analysed once the first plan was merged."""

    analysis: AnalysisReport
    path: Path  # its analysis, written in the sample's work tree as `ap analyze` does
    proposed: list[str]  # the titles of the objectives the analyst proposes

    @property
    def learned_from(self) -> list[str]:
        """The past plans the analysis cites."""
        return [c.plan_id for c in self.analysis.past_plans]

    @property
    def raised(self) -> list[str]:
        """The files the cited plans raised, in the analysis' order."""
        return list(dict.fromkeys(f for c in self.analysis.past_plans for f in c.boosted))


@dataclass
class DemoOutcome:
    folder: Path
    repo: Path
    plan_id: str
    run: RunOutcome
    follow_up: FollowUp | None = None

    @property
    def notes(self) -> list[str]:
        """Where the accomplishment filed the notes left in the root."""
        done = self.run.accomplishment
        return list(done.report.notes) if done else []


def make_sample(folder: Path) -> tuple[Path, Path]:
    """The sample repository, its objectives file and the recipe (outside the repository)."""
    repo = folder / "bookshop"
    if repo.exists():
        raise UsageError(f"{repo} already exists", hint="give an empty folder with --dir")
    repo.mkdir(parents=True)
    for rel, text in FILES.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    recipe = folder / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE, sort_keys=False), encoding="utf-8")
    objectives = folder / "objectives.yaml"
    objectives.write_text(yaml.safe_dump(OBJECTIVES, sort_keys=False), encoding="utf-8")
    (repo / "ap.yaml").write_text(
        "# The demo's team: the script worker, which applies ../recipe.yaml.\n"
        "analyst: heuristic  # no key, no network\n"
        f"team:\n  - name: script\n    preset: script\n    recipe: {recipe}\n"
        "    max_concurrent: 4\n"
        "gates:\n  - name: compile\n    command: python -m compileall -q src tests\n",
        encoding="utf-8",
    )
    repo_git = Git.init(repo, "main")
    # A throwaway repository: its own identity, so the demo runs on any machine.
    repo_git.set_config("user.name", "ap demo")
    repo_git.set_config("user.email", "demo@example.invalid")
    repo_git.add_all()
    repo_git.commit("chore: the bookshop")
    return repo, objectives


def demo(folder: Path | None, *, emit: Emit) -> DemoOutcome:
    """Create the sample, plan and run the first request, then analyse the second."""
    from ap.setup.init import init_repository

    base = folder or Path(tempfile.mkdtemp(prefix="ap-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    repo, objectives = make_sample(base)
    emit(event("message", "demo", message=f"sample repository: {repo}"))
    init_repository(repo)
    git = Git(repo)
    git.add_all()
    git.commit("chore: ap init")
    config = load_config(repo)
    plan_id = _plan(git, config, objectives, emit)
    (repo / "NOTES.md").write_text(NOTE, encoding="utf-8")  # untracked, as notes are left
    outcome = DemoOutcome(base, repo, plan_id, run_plan(git, config, plan_id, emit=emit))
    if not outcome.run.failed and outcome.run.accomplishment is not None:
        outcome.follow_up = _follow_up(git, config, outcome.run.accomplishment.commit, emit)
    return outcome


def _plan(git: Git, config: ApConfig, objectives: Path, emit: Emit) -> str:
    """The first request's plan, from the owner's objectives file: its id."""
    from ap.core.models import Source
    from ap.plan import pipeline
    from ap.plan.spec import load_objectives_file

    spec = load_objectives_file(objectives)
    source = Source(kind="file", ref=str(objectives))
    analysis = pipeline.given_analysis(git, config, REQUEST, spec.objectives, source)
    plan = pipeline.make_plan(git, config, analysis, spec.objectives, emit=emit)
    pipeline.finish(git, config, analysis, plan, emit=emit, dry_run=False)
    return plan.id


def _follow_up(git: Git, config: ApConfig, accomplished: str, emit: Emit) -> FollowUp:
    """Merge the accomplished plan into main (a fast-forward, as merging its pull request
    would), then analyse the second request with the heuristic analyst and write the
    analysis, as `ap analyze` does: no plan, since the demo's script has no recipe for it."""
    from ap.plan import pipeline

    git.fast_forward(accomplished)
    emit(event("message", "demo", message=f"second request, on the same area: {FOLLOW_UP}"))
    report, proposed = pipeline.run_analysis(git, config, FOLLOW_UP, emit=emit)
    written = pipeline.finish(git, config, report, None, emit=emit, dry_run=False).written
    return FollowUp(report, written[0], [o.title for o in proposed])
