"""One spawn path: every git process ap starts goes through ap.git.runner, the hook's too,
and its failures are the specific errors of ap.git.errors."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ap
from ap.core.errors import GitError
from ap.git import Git
from ap.git.errors import GitNotRunnable, IdentityMissing, NotARepository
from tests.helpers import make_repo
from tests.run.conftest import git, planned_flow

PACKAGE = Path(ap.__file__).parent
SPAWNERS = {"posix_spawn", "posix_spawnp", "Popen", "run", "call", "check_call", "check_output"}


def _modules(folder: Path) -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(folder.rglob("*.py"))]


def _imports_subprocess(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "subprocess" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "subprocess":
            return True
    return False


def _calls(tree: ast.Module, names: set[str]) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ]


def test_inside_the_package_only_the_runner_starts_git() -> None:
    """No subprocess in ap/git/ at all, and posix_spawn in runner.py only."""
    for path, tree in _modules(PACKAGE / "git"):
        name = path.relative_to(PACKAGE).as_posix()
        assert not _imports_subprocess(tree), f"{name} imports subprocess"
        if name != "git/runner.py":
            assert not _calls(tree, {"posix_spawn", "posix_spawnp"}), f"{name} spawns"


def test_the_hook_loads_neither_subprocess_nor_gitpython(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hook's import graph (``python -X importtime``) has no ``subprocess`` (every git
    process it starts goes through the runner's posix_spawn) and no top-level ``git``
    (GitPython: ap's own package is ``ap.git``)."""
    flow = planned_flow(tmp_path / "repo", capsys)
    wt = flow.write("T2", {"src/api/routes.py": "mine\n"})
    git(wt, "add", "-A")
    code = "import sys; del sys.path[0]; from ap.run.hookcheck import main; sys.exit(main())"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=wt,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = {
        line.split("|")[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "ap.run.enforce" in loaded  # (the check really ran)
    assert "subprocess" not in loaded
    assert not {m for m in loaded if m == "git" or m.startswith("git.")}


def test_no_repository_no_git_and_no_identity_are_errors_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(NotARepository, match="is not inside a git repository") as caught:
        Git.discover(outside)
    assert caught.value.hint is not None and "git init" in caught.value.hint
    repo = make_repo(tmp_path / "r")
    nobody = Git(repo.root, {"GIT_AUTHOR_NAME": "", "GIT_COMMITTER_NAME": ""})
    tree = nobody.tree_id()
    assert tree is not None
    with pytest.raises(IdentityMissing) as missing:
        nobody.commit_tree(tree, [], "message")
    assert missing.value.hint is not None and "user.email" in missing.value.hint
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GitNotRunnable, match="git could not be run"):
        Git(repo.root).head()
    assert issubclass(GitNotRunnable, GitError)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=4000), st.booleans())
def test_input_and_output_past_a_pipe_buffer_flow_both_ways(count: int, valid: bool) -> None:
    """A big input fed while a big output comes back (no side waits on a full pipe):
    the same bytes as subprocess gives."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "r", {"a.txt": "a\n" * 5000})
        name = b"HEAD:a.txt\n" if valid else b"no-such-object-" + b"x" * 60 + b"\n"
        script = name * count
        expected = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=repo.root,
            input=script,
            capture_output=True,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
        got = Git(repo.root).run_bytes("cat-file", "--batch", input=script)
        assert (got.returncode, got.stdout, got.stderr) == (
            expected.returncode,
            expected.stdout,
            expected.stderr,
        )
