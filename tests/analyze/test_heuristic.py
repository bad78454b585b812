from __future__ import annotations

from ap.analyze import analyze
from ap.analyze.tasktype import classify
from ap.core.config import ApConfig
from ap.core.models import TaskType
from ap.git import Git
from ap.plan.build import build_plan
from ap.scope import covers
from tests.helpers import Repo


def run(repo: Repo, request: str):  # type: ignore[no-untyped-def]
    return analyze(Git(repo.root), request, config=ApConfig(), analysis_id="20261125-x")


def test_pricing_request_finds_pricing_tests_and_changelog(shop: Repo) -> None:
    result = run(shop, "Round discount prices to whole cents")
    scopes = [p for o in result.objectives for p in o.scope_touch]
    for path in ("shop/pricing.py", "tests/test_pricing.py", "CHANGES.md"):
        assert any(covers(p, path) for p in scopes), (path, scopes)
    assert not any(covers(p, "web/app.js") for p in scopes)
    report = result.report
    assert report.candidate_files[0].path == "shop/pricing.py"
    assert report.candidate_files[0].must_change
    assert report.base_commit == shop.git("rev-parse", "HEAD").strip()


def test_objectives_are_exclusive_and_plan_is_valid(shop: Repo) -> None:
    result = run(shop, "Cart total should apply the discount")
    plan = build_plan(
        result.objectives,
        plan_id="20261125-x",
        request="x",
        global_forbid=ApConfig().effective_global_forbid(),
        must_change=[c.path for c in result.report.candidate_files if c.must_change],
    )
    assert plan.scope_validation.valid, plan.scope_validation.violations
    assert plan.scope_validation.conflicts == []
    integration = [o for o in plan.objectives if o.title.startswith("Integrate")]
    if integration:
        assert integration[0].wave == len(plan.waves) and integration[0].depends_on


def test_coordination_points_come_from_real_imports(shop: Repo) -> None:
    result = run(shop, "Cart total and discount pricing in the shop and its tests")
    points = result.report.coordination_points
    owners = {f: o.id for o in result.objectives for f in o.scope_touch}
    for point in points:
        a, b = point.files
        assert owners[a] != owners[b]
        assert point.symbol in point.description


def test_task_types() -> None:
    assert classify("Fix crash when the cart is empty")[0] == TaskType.BUG
    assert classify("Refactor pricing into a module")[0] == TaskType.REFACTOR
    assert classify("Add tests for pricing")[0] == TaskType.TEST
    assert classify("Document the docs typo in README")[0] == TaskType.DOCS
    assert classify("Revert the token change")[0] == TaskType.RESET
    kind, reasons = classify("Add JWT authentication")
    assert kind == TaskType.FEATURE and reasons


def test_empty_repository_plans_nothing_gracefully(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    repo = make_repo(tmp_path / "empty", {"README.md": "# nothing\n"})
    result = run(repo, "zzz qqq")
    assert isinstance(result.objectives, list)


def test_new_files_are_covered_by_globs_named_after_the_request(shop: Repo) -> None:
    result = run(shop, "Loyalty vouchers for the cart")
    scopes = [p for o in result.objectives for p in o.scope_touch]
    assert any(covers(p, "shop/voucher_rules.py") for p in scopes), scopes
    assert not any(covers(p, "shop/vouchers/rules.py") for p in scopes)  # files, not folders


def test_new_files_go_where_the_history_shows_files_appear(shop: Repo) -> None:
    for name in ("login", "checkout", "cart_client"):
        shop.write(f"tests/client/test_{name}.py", "from shop.cart import Cart\n")
        shop.commit(f"Client test for {name}")
    for name in ("install", "faq"):
        shop.write(f"docs/{name}.md", f"# {name}\n")
        shop.commit(f"Guide: {name}")
    result = run(shop, "Cookie support for the cart client, with a troubleshooting guide")
    scopes = [p for o in result.objectives for p in o.scope_touch]
    assert any(covers(p, "tests/client/test_cookies.py") for p in scopes), scopes
    assert any(covers(p, "docs/troubleshooting.md") for p in scopes), scopes
    assert not any(covers(p, "shop/auth/tokens.py") for p in scopes), scopes


def test_a_vague_request_gets_a_warning_not_invented_work(shop: Repo) -> None:
    result = run(shop, "Improve performance")
    files = [c.path for c in result.report.candidate_files]
    assert len(files) <= 3 and len(result.objectives) <= 2, files
    assert any("names no code" in r for r in result.report.risks), result.report.risks
    precise = run(shop, "Round discount prices to whole cents")
    assert not any("names no code" in r for r in precise.report.risks)


def test_a_new_file_glob_never_covers_a_folder(shop: Repo) -> None:
    for name in ("LICENSE", "NOTICE", "AUTHORS"):
        shop.write(name, "text\n")
        shop.commit(f"Add {name}")
    result = run(shop, "Vouchers in NOTICE and AUTHORS")
    scopes = [p for o in result.objectives for p in o.scope_touch]
    assert not any(covers(p, "voucher/rules.py") for p in scopes), scopes


def test_a_rename_covers_every_file_that_uses_the_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    files = {"pkg/__init__.py": "", "pkg/text.py": "def to_native(x):\n    return x\n"}
    for n in range(40):
        use = "from pkg.text import to_native\n" if n % 2 else "from pkg import text\n"
        call = "to_native" if n % 2 else "text.to_native"
        files[f"pkg/mod{n}/user.py"] = f"{use}\n\ndef f{n}(v):\n    return {call}(v)\n"
    files["pkg/other.py"] = "def to_natives():\n    return 1\n"
    repo = make_repo(tmp_path / "r", files)
    result = run(repo, "Rename `to_native` to `to_text`")
    scopes = [p for o in result.objectives for p in o.scope_touch]
    for path in [p for p in files if "mod" in p] + ["pkg/text.py"]:
        assert any(covers(p, path) for p in scopes), path
    assert not any(covers(p, "pkg/other.py") for p in scopes)
    assert len(result.objectives) <= 4


def test_a_named_folder_is_covered_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import make_repo

    files = {f"docs/js/lib{n}.js": "var x = 1;\n" for n in range(30)}
    files |= {"docs/index.md": "# docs\n", "src/app.py": "def main():\n    pass\n"}
    repo = make_repo(tmp_path / "r", files)
    result = run(repo, "Delete js folder")
    scopes = [p for o in result.objectives for p in o.scope_touch]
    for path in [p for p in files if p.startswith("docs/js/")]:
        assert any(covers(p, path) for p in scopes), path
    assert not any(covers(p, "src/app.py") for p in scopes)
