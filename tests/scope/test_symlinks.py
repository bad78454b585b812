"""Symlinks are followed through the symlinks of the tree being checked (DESIGN.md §4).

Each shape is committed on T1's branch (scope ``src/auth/``; T2 owns ``src/api/``)
and checked every way: the hook's check of the index (``check-scope --staged``,
and a real ``git commit`` through the installed hook), ``check-scope --branch``
and ``--range``, and ``merge-wave``, which must fail T1 and land none of it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import make_repo
from tests.run.conftest import FILES, OBJECTIVES, Flow, git

BASE_FILES = {**FILES, "lib/y.py": "Y = 1\n", "src/auth/sub/dir/z.py": "Z = 1\n"}


def symlink_flow(root: Path, capsys: pytest.CaptureFixture[str], links: dict[str, str]) -> Flow:
    """A planned, started repository whose base commit holds ``links`` (path -> target)."""
    repo = make_repo(root, BASE_FILES)
    for path, target in links.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / path)
    repo.commit("symlinks")
    flow = Flow(repo, capsys)
    flow.ok("init")
    repo.commit("chore: ap init")
    (root.parent / "objectives.yaml").write_text(OBJECTIVES, encoding="utf-8")
    flow.ok("plan", "--from", str(root.parent / "objectives.yaml"))
    flow.plan_id = sorted((root / "docs" / "plans").glob("PLAN_*.md"))[0].stem[len("PLAN_") :]
    flow.ok("start")
    return flow


# name: (links in the base commit, links T1 adds, what the refusal says)
SHAPES: dict[str, tuple[dict[str, str], dict[str, str], str]] = {
    "through-an-existing-link": (
        {"src/auth/libdir": "../../lib"},
        {"src/auth/p": "libdir/y.py"},
        "src/auth/p: symlink target 'lib/y.py' (through the symlink 'src/auth/libdir'): "
        "outside scope_touch",
    ),
    "into-another-scope-through-a-link": (
        {"src/auth/apidir": "../api"},
        {"src/auth/p": "apidir/routes.py"},
        "src/auth/p: symlink target 'src/api/routes.py' (through the symlink "
        "'src/auth/apidir'): forbidden by 'src/api/'",
    ),
    "through-a-link-added-alongside": (
        {},
        {"src/auth/libdir": "../../lib", "src/auth/p": "libdir/y.py"},
        "src/auth/p: symlink target 'lib/y.py' (through the symlink 'src/auth/libdir')",
    ),
    "case-variant-of-a-link": (
        # One folder on macOS: `LibDir/` goes through the symlink `libdir`.
        {"src/auth/libdir": "../../lib"},
        {"src/auth/p": "LibDir/y.py"},
        "src/auth/p: symlink target 'lib/y.py' (through the symlink 'src/auth/LibDir')",
    ),
    "chain": (
        {"src/auth/c": "../api/routes.py"},
        {"src/auth/a": "b", "src/auth/b": "c"},
        "src/auth/a: symlink target 'src/api/routes.py' (through the symlink 'src/auth/b')",
    ),
    "loop": (
        {"src/auth/b": "a"},
        {"src/auth/a": "b"},
        "src/auth/a: symlink target 'b': too many levels of symbolic links",
    ),
    "self-loop": ({}, {"src/auth/s": "s"}, "too many levels of symbolic links"),
    "absolute-through-a-link": (
        {"src/auth/etc": "/etc"},
        {"src/auth/p": "etc/passwd"},
        "src/auth/p: symlink target 'etc/passwd' leads through 'src/auth/etc' whose target "
        "is absolute",
    ),
    "dotdot-after-a-link": (
        # Lexically `up/../x.py` is src/auth/x.py; the OS climbs from src/api/v1.
        {"src/auth/up": "../api/v1"},
        {"src/auth/p": "up/../x.py"},
        "src/auth/p: symlink target 'src/api/x.py' (through the symlink 'src/auth/up'): "
        "forbidden by 'src/api/'",
    ),
    "dotdot-out-of-the-repository": (
        {"src/auth/top": "../.."},
        {"src/auth/p": "top/../etc/passwd"},
        "src/auth/p: symlink target 'top/../etc/passwd' is outside the repository",
    ),
}


def _add_links(wt: Path, links: dict[str, str]) -> None:
    for path, target in links.items():
        (wt / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, wt / path)
    git(wt, "add", "-A")


def _commit(wt: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-m", "links"], cwd=wt, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_every_check_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    base_links, added, reason = SHAPES[shape]
    flow = symlink_flow(tmp_path / "repo", capsys, base_links)
    before = flow.tree(flow.integration)
    flow.submit("T2", {"src/api/routes.py": "ROUTES = ['/x']\n"})
    wt = flow.worktree("T1")
    _add_links(wt, added)

    code, _, err = flow.ap("check-scope", "--staged", cwd=wt)
    assert (code, reason in err) == (1, True), err
    flow.ok("hook", "install")
    refused = _commit(wt)
    assert refused.returncode != 0 and reason in refused.stderr, refused.stderr

    flow.forge_done("T1")
    code, _, err = flow.ap("check-scope", "--branch", flow.branch("T1"))
    assert (code, reason in err) == (1, True), err
    code, _, err = flow.ap("check-scope", "--range", "HEAD~1..HEAD", cwd=wt)
    assert (code, reason in err) == (1, True), err

    code, _, err = flow.ap("merge-wave")
    assert code == 1, err
    assert flow.plan_statuses() == {"T1": "failed", "T2": "merged", "T3": "blocked"}
    after = flow.tree(flow.integration)
    assert not {p for p in after if p.startswith("src/auth/")} - set(before)  # nothing of T1


IN_SCOPE: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "plain": ({}, {"src/auth/p": "jwt.py"}),
    "chain-in-scope": ({"src/auth/c": "jwt.py"}, {"src/auth/a": "b", "src/auth/b": "c"}),
    "through-a-folder-link-in-scope": ({"src/auth/d": "sub/dir"}, {"src/auth/p": "d/z.py"}),
    "out-and-back": ({}, {"src/auth/p": "../api/../auth/jwt.py"}),
    "dangling-in-scope": ({}, {"src/auth/p": "not/yet/there.py"}),
}


@pytest.mark.parametrize("shape", list(IN_SCOPE), ids=list(IN_SCOPE))
def test_links_that_stay_in_scope_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    base_links, added = IN_SCOPE[shape]
    flow = symlink_flow(tmp_path / "repo", capsys, base_links)
    flow.submit("T2", {"src/api/routes.py": "ROUTES = ['/x']\n"})
    wt = flow.worktree("T1")
    _add_links(wt, added)
    flow.ok("check-scope", "--staged", cwd=wt)
    flow.forge_done("T1")
    flow.ok("check-scope", "--branch", flow.branch("T1"))
    flow.ok("merge-wave")
    assert flow.plan_statuses()["T1"] == "merged"


def test_a_path_below_a_symlink_in_a_hand_made_tree_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """git never stores one (`git add` refuses "beyond a symbolic link"); plumbing can."""
    flow = symlink_flow(tmp_path / "repo", capsys, {"src/auth/d": "../../lib"})
    flow.submit("T2", {"src/api/routes.py": "ROUTES = ['/x']\n"})
    wt = flow.worktree("T1")
    assert (
        "beyond a symbolic link"
        in subprocess.run(
            ["git", "add", "src/auth/d/z.py"], cwd=wt, capture_output=True, text=True, check=False
        ).stderr
    )
    # A tree holding both the symlink `d` and a folder `d` (git fsck: duplicateEntries).
    blob = _blob(wt, "escape\n")
    folder = _mktree(wt, f"100644 blob {blob}\tz.py\n")
    auth_entries = git(wt, "ls-tree", "HEAD:src/auth")
    auth = _mktree(wt, auth_entries + f"040000 tree {folder}\td\n")
    src = _replace(wt, "HEAD:src", "auth", auth)
    root = _replace(wt, "HEAD^{tree}", "src", src)
    message = f"forged\n\nAP-Plan: {flow.plan_id}\nAP-Task: T1\nAP-Status: done"
    commit = git(wt, "commit-tree", root, "-p", "HEAD", "-m", message).strip()
    git(wt, "update-ref", f"refs/heads/{flow.branch('T1')}", commit)
    reason = "src/auth/d/z.py: lies beyond the symlink 'src/auth/d'"
    code, _, err = flow.ap("check-scope", "--branch", flow.branch("T1"))
    assert (code, reason in err) == (1, True), err
    code, _, err = flow.ap("merge-wave")
    assert code == 1 and flow.plan_statuses()["T1"] == "failed", err


def _blob(cwd: Path, text: str) -> str:
    proc = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=cwd, input=text, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


def _mktree(cwd: Path, listing: str) -> str:
    proc = subprocess.run(
        ["git", "mktree"], cwd=cwd, input=listing, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def _replace(cwd: Path, tree: str, name: str, oid: str) -> str:
    rows = [r for r in git(cwd, "ls-tree", tree).splitlines() if not r.endswith(f"\t{name}")]
    return _mktree(cwd, "".join(f"{r}\n" for r in rows) + f"040000 tree {oid}\t{name}\n")
