"""The pre-commit hook: installed, chained, in every worktree, through core.hooksPath,
and run by the real pre-commit framework."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git

ROOT = Path(__file__).resolve().parents[2]


def commit(wt: Path, message: str = "work") -> subprocess.CompletedProcess[str]:
    """A real `git commit`, hooks and all."""
    return subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=wt, capture_output=True, text=True, check=False
    )


def test_installed_hook_refuses_out_of_scope_and_accepts_in_scope(flow: Flow) -> None:
    flow.ok("hook", "install")
    wt = flow.write("T2", {"src/auth/jwt.py": "stolen\n"})  # a linked worktree
    git(wt, "add", "-A")
    refused = commit(wt)
    assert refused.returncode != 0
    assert "src/auth/jwt.py: forbidden by 'src/auth/'" in refused.stderr
    assert "scope_touch of T2: src/api/" in refused.stderr
    git(wt, "reset", "-q", "--hard")
    flow.write("T2", {"src/api/routes.py": "mine\n"})
    git(wt, "add", "-A")
    assert commit(wt).returncode == 0


def test_hook_is_silent_off_objective_branches(flow: Flow) -> None:
    flow.ok("hook", "install")
    (flow.root / "anything.txt").write_text("x\n")
    git(flow.root, "add", "anything.txt")
    done = commit(flow.root)
    assert done.returncode == 0 and done.stderr == ""


def test_existing_hook_is_chained_and_restored(flow: Flow) -> None:
    hooks = flow.root / ".git" / "hooks"
    mine = hooks / "pre-commit"
    mine.write_text("#!/bin/sh\necho chained-ran >&2\nexit ${FAIL:-0}\n")
    mine.chmod(0o755)
    original = mine.read_text()
    assert "chains the existing hook" in " ".join(flow.ok("hook", "install").split())
    assert "already installed" in " ".join(flow.ok("hook", "install").split())
    wt = flow.write("T2", {"src/api/routes.py": "mine\n"})
    git(wt, "add", "-A")
    failing = subprocess.run(
        ["git", "commit", "-q", "-m", "x"],
        cwd=wt,
        capture_output=True,
        text=True,
        env={**os.environ, "FAIL": "1"},
        check=False,
    )
    assert failing.returncode != 0 and "chained-ran" in failing.stderr
    passing = commit(wt)
    assert passing.returncode == 0 and "chained-ran" in passing.stderr
    assert "restored" in " ".join(flow.ok("hook", "uninstall").split())
    assert mine.read_text() == original
    assert not (hooks / "pre-commit.ap-chained").exists()
    assert "nothing changed" in " ".join(flow.ok("hook", "uninstall").split())


def test_core_hooks_path_outside_the_repository(flow: Flow, tmp_path: Path) -> None:
    shared = tmp_path / "shared-hooks"
    shared.mkdir()
    git(flow.root, "config", "core.hooksPath", str(shared))
    flow.ok("hook", "install")
    assert (shared / "pre-commit").exists()
    wt = flow.write("T2", {"src/auth/jwt.py": "stolen\n"})
    git(wt, "add", "-A")
    assert commit(wt).returncode != 0


def test_core_hooks_path_inside_the_repository_is_refused(flow: Flow) -> None:
    git(flow.root, "config", "core.hooksPath", ".husky")
    code, _, err = flow.ap("hook", "install")
    assert code == 2
    assert "core.hooksPath" in err and "hint:" in err
    assert not (flow.root / ".husky").exists()


def _commit(wt: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=wt,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_pre_commit_framework_runs_the_check(flow: Flow, tmp_path: Path) -> None:
    wt = flow.worktree("T2")
    entry = f"{sys.executable} -m ap check-scope --staged"
    (wt / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: ap-check-scope\n"
        "        name: ap scope check\n"
        f"        entry: {entry}\n"
        "        language: system\n"
        "        pass_filenames: false\n"
        "        always_run: true\n"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=wt,
        env=env,
        check=True,
        capture_output=True,
    )
    # The config itself is outside T2's scope, so the check would refuse it: keep it unstaged.
    flow.write("T2", {"src/auth/jwt.py": "stolen\n"})
    git(wt, "add", "src/auth/jwt.py")
    refused = _commit(wt, env, "x")
    assert refused.returncode != 0
    assert "forbidden by 'src/auth/'" in refused.stdout + refused.stderr
    git(wt, "reset", "-q", "src/auth/jwt.py")
    git(wt, "checkout", "-q", "src/auth/jwt.py")
    flow.write("T2", {"src/api/routes.py": "mine\n"})
    git(wt, "add", "src/api/routes.py")
    accepted = _commit(wt, env, "y")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_hooks_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    (hook,) = hooks
    assert hook["id"] == "ap-check-scope"
    assert hook["pass_filenames"] is False and hook["always_run"] is True
    assert hook["entry"] == "ap check-scope --staged"


V1_HOOK = """#!/bin/sh
# ap-scope-hook: installed by `ap hook install`; `ap hook uninstall` removes it
# (and puts back the hook it chained, pre-commit.ap-chained).
exec ap check-scope --staged
"""


def test_hooks_folder_is_the_shipped_hook() -> None:
    from ap.run.hooks import packaged_script

    assert (ROOT / "hooks" / "pre-commit").read_text(encoding="utf-8") == packaged_script()
    assert os.access(ROOT / "hooks" / "pre-commit", os.X_OK)


def test_hooks_folder_works_as_core_hooks_path(flow: Flow) -> None:
    """`git config core.hooksPath <ap>/hooks`: the script as shipped, ap found on PATH."""
    git(flow.root, "config", "core.hooksPath", str(ROOT / "hooks"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    wt = flow.write("T2", {"src/auth/jwt.py": "stolen\n"})
    git(wt, "add", "-A")
    refused = _commit(wt, env, "x")
    assert refused.returncode == 1
    assert "forbidden by 'src/auth/'" in refused.stderr
    git(wt, "reset", "-q", "--hard")
    flow.write("T2", {"src/api/routes.py": "mine\n"})
    git(wt, "add", "-A")
    assert _commit(wt, env, "y").returncode == 0
    without_ap = {**env, "PATH": "/usr/bin:/bin"}
    flow.write("T2", {"src/api/more.py": "more\n"})
    git(wt, "add", "-A")
    lost = _commit(wt, without_ap, "z")
    assert lost.returncode == 1 and "cannot find ap" in lost.stderr and "hint:" in lost.stderr


def test_an_older_installed_hook_is_recognised_and_upgraded(flow: Flow) -> None:
    from ap.run.hooks import hook_script, version_of

    hook = flow.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(V1_HOOK)
    hook.chmod(0o755)
    said = " ".join(flow.ok("hook", "install").split())
    assert "from version 1 to 3" in said
    assert hook.read_text() == hook_script(sys.executable)
    assert version_of(hook.read_text()) == 3
    assert not (hook.parent / "pre-commit.ap-chained").exists()  # upgraded, not chained
    assert "removed" in flow.ok("hook", "uninstall") and not hook.exists()
