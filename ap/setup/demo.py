"""``ap demo``: the whole cycle on a throwaway repository, in seconds, with no API key.

A small bookshop project is created, a realistic request is planned over it (six
objectives in two waves, the owner's objectives file), and ``ap run`` executes it
with the script worker — real processes, real branches, real merges — then the
accomplishment is written. Everything stays in one folder that is printed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ap.core.config import load_config
from ap.core.errors import UsageError
from ap.core.events import Emit, event
from ap.git import Git
from ap.run.execute import RunOutcome, run_plan

REQUEST = "Add catalog search, discounts and an order API to the bookshop"

FILES = {
    "README.md": "# bookshop\n\nA tiny bookshop library.\n",
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
            "integration_points": ["uses catalog.search(text) and Cart.total()"],
        },
        {
            "id": "T6",
            "title": "Changelog",
            "scope_touch": ["CHANGELOG.md"],
            "depends_on": ["T2", "T5"],
            "integration_points": ["describes what T2 and T5 added"],
        },
    ],
}

RECIPE = {
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
    ],
    "T4": [{"write": "docs/api.md", "content": "# API\n\n`order(titles)` returns a total.\n"}],
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
    ],
    "T6": [
        {
            "write": "CHANGELOG.md",
            "content": "# Changelog\n\n- Catalog search, discounts, cart totals, order API.\n",
        }
    ],
}


@dataclass
class DemoOutcome:
    folder: Path
    repo: Path
    plan_id: str
    run: RunOutcome


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
    from ap.core.models import Source
    from ap.plan import pipeline
    from ap.plan.spec import load_objectives_file
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
    spec = load_objectives_file(objectives)
    source = Source(kind="file", ref=str(objectives))
    analysis = pipeline.given_analysis(git, config, REQUEST, spec.objectives, source)
    plan = pipeline.make_plan(git, config, analysis, spec.objectives, emit=emit)
    pipeline.finish(git, config, analysis, plan, emit=emit, dry_run=False)
    outcome = run_plan(git, config, plan.id, emit=emit)
    return DemoOutcome(base, repo, plan.id, outcome)
