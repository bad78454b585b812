from __future__ import annotations

from pathlib import Path

from ap.analyze import analyze
from ap.core.config import ApConfig
from ap.git import Git
from ap.scope import covers
from tests.helpers import Repo, make_repo


def scopes(repo: Repo, request: str) -> list[str]:
    result = analyze(Git(repo.root), request, config=ApConfig(), analysis_id="20261125-x")
    return [p for o in result.objectives for p in o.scope_touch]


def covered(patterns: list[str], path: str) -> bool:
    return any(covers(p, path) for p in patterns)


# enough files that the first commit is a huge one: no file gets a prior from it
FILLER = {f"tools/helper{n}.py": f"def helper{n}():\n    return {n}\n" for n in range(45)}


def test_the_tests_named_after_the_package_join_its_sources(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            "hearth/__init__.py": "",
            "hearth/auth.py": "def digest_challenge(nonce):\n    return nonce\n",
            "tests/test_hearth.py": "import hearth\n\n\ndef test_get():\n    assert hearth\n",
            "tests/test_tools.py": "import tools\n",
        },
    )
    patterns = scopes(repo, "Fix the digest challenge nonce")
    assert covered(patterns, "hearth/auth.py"), patterns
    assert covered(patterns, "tests/test_hearth.py"), patterns
    assert not covered(patterns, "tests/test_tools.py"), patterns


def test_the_page_named_after_a_module_joins_it(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            "src/clack/__init__.py": "",
            "src/clack/testing.py": "class CliRunner:\n    def invoke(self):\n        pass\n",
            "docs/testing.md": "# Testing\nHow to check commands.\n",
            "docs/options.md": "# Options\n",
            "README.md": "# clack\n",
        },
    )
    patterns = scopes(repo, "Expose the original descriptor in `CliRunner`")
    assert covered(patterns, "src/clack/testing.py"), patterns
    assert covered(patterns, "docs/testing.md"), patterns
    assert not covered(patterns, "docs/options.md"), patterns


def test_the_lock_file_joins_its_manifest(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            "pyproject.toml": '[project]\nname = "clack"\nversion = "1.0"\n',
            "uv.lock": '[[package]]\nname = "anyio"\n',
            "web/package.json": "{}\n",
            "web/package-lock.json": "{}\n",
        },
    )
    patterns = scopes(repo, "Change the version in pyproject.toml")
    assert covered(patterns, "pyproject.toml") and covered(patterns, "uv.lock"), patterns
    assert not covered(patterns, "web/package-lock.json"), patterns


def test_exposing_a_name_edits_its_package_namespace(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            "webby/__init__.py": "from webby.client import Client\n",
            "webby/client.py": "class Client:\n    pass\n",
            "webby/dispatch/__init__.py": "",
            "webby/dispatch/asgi.py": "class ASGIDispatch:\n    pass\n",
            "webby/dispatch/wsgi.py": "class WSGIDispatch:\n    pass\n",
            # modules that talk of dispatch namespaces much more than the package does
            **{
                f"webby/dispatch/way{n}.py": "# dispatch in the namespace\n" * 20 for n in range(12)
            },
        },
    )
    patterns = scopes(repo, "Expose ASGIDispatch & WSGIDispatch in the 'dispatch' namespace")
    assert covered(patterns, "webby/dispatch/__init__.py"), patterns
    assert covered(patterns, "webby/dispatch/asgi.py"), patterns
    assert not covered(patterns, "webby/__init__.py"), patterns


def test_a_new_guide_is_listed_in_the_site_navigation(tmp_path: Path) -> None:
    files = {
        **FILLER,
        "mkdocs.yml": "site_name: webby\nnav:\n  - Home: index.md\n",
        "docs/index.md": "# Webby\n",
        "docs/proxies.md": "# Proxies\nRouting through a proxy.\n",
    }
    repo = make_repo(tmp_path / "r", files)
    patterns = scopes(repo, "Add a troubleshooting guide, with proxies entries")
    assert covered(patterns, "mkdocs.yml"), patterns
    fix = scopes(repo, "Fix the proxies example")
    assert not covered(fix, "mkdocs.yml"), fix


def test_a_new_interface_reaches_the_classes_that_implement_its_siblings(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            "webby/interfaces.py": (
                "class BaseReader:\n    pass\n\n\nclass ConcurrencyBackend:\n    pass\n"
            ),
            "webby/backends/trio.py": (
                "from webby import interfaces\n\n\n"
                "class TrioBackend(interfaces.ConcurrencyBackend):\n    pass\n"
            ),
            "webby/backends/plain.py": "class Helper:\n    pass\n",
        },
    )
    patterns = scopes(repo, "Add BaseQueue interface")
    assert covered(patterns, "webby/interfaces.py"), patterns
    assert covered(patterns, "webby/backends/trio.py"), patterns
    assert not covered(patterns, "webby/backends/plain.py"), patterns
    assert not covered(scopes(repo, "Document BaseReader"), "webby/backends/trio.py")


def test_the_shared_fixtures_of_a_chosen_test_folder_join_it(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            "hearth/auth.py": "def digest_challenge(nonce):\n    return nonce\n",
            "tests/auth/test_digest.py": "def test_digest_challenge(nonce):\n    assert nonce\n",
            "tests/auth/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef server():\n",
            "tests/cli/test_main.py": "def test_main():\n    pass\n",
            "tests/cli/conftest.py": "import pytest\n",
        },
    )
    patterns = scopes(repo, "Fix the digest challenge nonce")
    assert covered(patterns, "tests/auth/test_digest.py"), patterns
    assert covered(patterns, "tests/auth/conftest.py"), patterns
    assert not covered(patterns, "tests/cli/conftest.py"), patterns


def test_a_test_that_only_shares_a_file_name_with_a_chosen_module_stays_out(
    tmp_path: Path,
) -> None:
    # many modules about the request push the namesake test below the clear leaders
    leaders = {
        f"hearth/digest{n}.py": "def digest_challenge(nonce):\n    return nonce  # digest\n"
        for n in range(10)
    }
    repo = make_repo(
        tmp_path / "r",
        {
            **FILLER,
            **leaders,
            "hearth/auth.py": "def digest_challenge(nonce):\n    return nonce  # digest nonce\n",
            "plugins/auth.py": "def login(user):\n    return user\n",
            # tests plugins/auth.py, not hearth/auth.py: only the file name is shared
            "tests/test_auth.py": "from plugins.auth import login\n\n\ndef test_nonce():\n"
            "    assert login\n",
        },
    )
    patterns = scopes(repo, "Fix the digest challenge nonce")
    assert covered(patterns, "hearth/auth.py"), patterns
    assert not covered(patterns, "tests/test_auth.py"), patterns
