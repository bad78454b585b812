"""Only ap/git/ starts git: code outside it asks a named operation of :class:`Git`."""

from __future__ import annotations

import ast

from tests.git.test_runner import PACKAGE, SPAWNERS, _calls, _modules


def _starts_git(call: ast.Call) -> bool:
    """posix_spawn (the runner's alone), or a process call with an argv list starting "git"."""
    assert isinstance(call.func, ast.Attribute)
    if call.func.attr.startswith("posix_spawn"):
        return True
    if not call.args or not isinstance(call.args[0], ast.List | ast.Tuple):
        return False
    first = call.args[0].elts[:1]
    return bool(first) and isinstance(first[0], ast.Constant) and first[0].value == "git"


def _raw_git_call(call: ast.Call) -> bool:
    """``x.run_bytes(...)``, or ``x.run("subcommand", ...)`` / ``x.run(*args)`` (git's shape)."""
    assert isinstance(call.func, ast.Attribute)
    if call.func.attr == "run_bytes":
        return True
    if call.func.attr != "run" or not call.args:
        return False
    first = call.args[0]
    return isinstance(first, ast.Starred) or (
        isinstance(first, ast.Constant) and isinstance(first.value, str)
    )


def test_outside_the_package_nothing_starts_git() -> None:
    """Code outside ap/git/ asks a named operation of Git: no raw ``git.run(...)``, no
    ``run_bytes``, no subprocess or posix_spawn with a ``git`` command line."""
    found = []
    for path, tree in _modules(PACKAGE):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith("git/"):
            continue
        for call in _calls(tree, SPAWNERS | {"run_bytes"}):
            if _raw_git_call(call) or _starts_git(call):
                found.append(f"ap/{name}:{call.lineno}")
    assert found == []


def test_the_checks_see_a_raw_call() -> None:
    """The two checks above can fail: each kind of raw call is caught."""
    source = (
        "git.run('fetch', x)\nself.git.run_bytes('status', check=False)\n"
        "git.run(*args)\nsubprocess.run(['git', 'status'])\nos.posix_spawnp('git', ['git'], e)\n"
        "handler.run(resume)\nsubprocess.run(['ps'])\n"
    )
    calls = _calls(ast.parse(source), SPAWNERS | {"run_bytes"})
    assert [_raw_git_call(c) or _starts_git(c) for c in calls] == [True] * 5 + [False] * 2


# Names of git's own files that only the adapter reads (ap's state lives in .git/ap/).
GIT_INTERNALS = {"commondir", "gitdir", "packed-refs", "locked"}


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _into_ap_state(call: ast.Call, up: dict[ast.AST, ast.AST]) -> bool:
    """``git_dir() / "ap"`` (maybe through ``Path(...)``), or handed to ``lock_path``."""
    node: ast.AST = call
    parent = up.get(node)
    if isinstance(parent, ast.Call) and getattr(parent.func, "id", "") in {"Path", "lock_path"}:
        if parent.func.id == "lock_path":  # type: ignore[attr-defined]
            return True
        node, parent = parent, up.get(parent)
    return (
        isinstance(parent, ast.BinOp)
        and parent.left is node
        and isinstance(parent.right, ast.Constant)
        and parent.right.value == "ap"
    )


def _hand_reads(tree: ast.Module) -> list[int]:
    up = _parents(tree)
    lines = [c.lineno for c in _calls(tree, {"git_dir"}) if not _into_ap_state(c, up)]
    lines += [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in GIT_INTERNALS
    ]
    return lines


def test_outside_the_package_nothing_reads_gits_own_files() -> None:
    """The git directory is used outside ap/git/ only for ap's own state (``.git/ap/``):
    git's records (worktrees, their locks, HEAD files) are read by the adapter."""
    found = []
    for path, tree in _modules(PACKAGE):
        name = path.relative_to(PACKAGE).as_posix()
        if not name.startswith("git/"):
            found += [f"ap/{name}:{line}" for line in _hand_reads(tree)]
    assert found == []


def test_the_check_sees_a_hand_read() -> None:
    source = (
        "a = git.git_dir() / 'worktrees' / n / 'locked'\ncommon = git.git_dir()\n"
        "b = git.git_dir() / 'ap' / 'cache'\nc = Path(git.git_dir()) / 'ap'\n"
        "d = lock_path(git.git_dir(), plan)\n"
    )
    assert sorted(_hand_reads(ast.parse(source))) == [1, 1, 2]
