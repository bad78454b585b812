"""Trees built in memory (ap.git.trees, Git.tree_with) against git's own index.

The oracle is what ap did before: ``read-tree`` into a temporary index,
``update-index --index-info`` with the edits, ``write-tree``. Names are drawn to
stress git's order (``a`` < ``a-b`` < ``a.b`` < ``a/`` < ``a0``), files are replaced
by folders and folders by files, modes include executables, symlinks and
submodule links, and removals name files, folders and nothing at all.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap.core.errors import GitError
from ap.git import Git, Stored
from ap.git.trees import canonical_mode, object_id, pack
from tests.helpers import make_repo

NAMES = ["a", "a-b", "a.b", "a0", "b", "ab", "é"]
MODES = ["100644", "100755", "120000", "160000"]


def _git(root: Path, *args: str, input: bytes | None = None, index: str | None = None) -> str:
    env = {**os.environ, **({"GIT_INDEX_FILE": index} if index else {})}
    proc = subprocess.run(
        ["git", *args], cwd=root, input=input, capture_output=True, env=env, check=True
    )
    return proc.stdout.decode().strip()


def _blob(root: Path, data: bytes) -> str:
    return _git(root, "hash-object", "-w", "--stdin", input=data)


def _index_tree(root: Path, base: str | None, edits: dict[str, bytes | Stored | None]) -> str:
    """What git's index makes of ``base`` with ``edits`` (the oracle)."""
    with tempfile.TemporaryDirectory() as tmp:
        index = os.path.join(tmp, "index")
        if base is not None:
            _git(root, "read-tree", base, index=index)
        zero = "0" * (64 if _git(root, "rev-parse", "--show-object-format") == "sha256" else 40)
        lines = []
        for path, value in edits.items():
            if value is None:
                lines.append(f"0 {zero}\t{path}")
            elif isinstance(value, bytes):
                lines.append(f"100644 {_blob(root, value)}\t{path}")
            else:
                lines.append(f"{value[0]} {value[1]}\t{path}")
        if lines:
            script = "\0".join(lines).encode() + b"\0"
            _git(root, "update-index", "-z", "--index-info", input=script, index=index)
        return _git(root, "write-tree", index=index)


paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)


def _no_file_above(chosen: dict[str, object]) -> bool:
    """No path of ``chosen`` lies inside another (a file and a folder at once)."""
    return not any(q.startswith(p + "/") for p in chosen for q in chosen)


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, object]]:
    base = draw(st.dictionaries(paths, st.sampled_from(MODES), max_size=8).filter(_no_file_above))
    value = st.one_of(
        st.none(),
        st.binary(max_size=8),
        st.tuples(st.sampled_from([*MODES, "100664"]), st.integers(0, 3)),
    )
    edits = draw(st.dictionaries(paths, value, max_size=6))
    written = {p: v for p, v in edits.items() if v is not None}
    if not _no_file_above(written):
        edits = {p: v for p, v in edits.items() if v is None}
    return base, edits


@pytest.fixture(scope="module")
def repo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("trees") / "repo").root


def _build(root: Path, base: dict[str, str]) -> str | None:
    """A tree of ``base`` ({path: mode}), each file's content its path; None when empty."""
    if not base:
        return None
    edits: dict[str, bytes | Stored | None] = {}
    for path, mode in base.items():
        oid = "1" * 40 if mode == "160000" else _blob(root, path.encode())
        edits[path] = (mode, oid)
    return _index_tree(root, None, edits)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_tree_with_equals_what_git_index_writes(
    repo_root: Path, case: tuple[dict[str, str], dict[str, object]]
) -> None:
    base_files, raw = case
    base = _build(repo_root, base_files)
    blobs = [_blob(repo_root, f"stored {n}".encode()) for n in range(4)]
    edits: dict[str, bytes | Stored | None] = {}
    for path, value in raw.items():
        if isinstance(value, tuple):
            mode, n = value
            edits[path] = (mode, "2" * 40 if mode == "160000" else blobs[n])
        else:
            assert value is None or isinstance(value, bytes)
            edits[path] = value
    expected = _index_tree(repo_root, base, edits)
    git = Git(repo_root)
    assert git.tree_with(base, edits) == expected
    if base is not None:  # a commit names its tree just as well
        commit = _git(repo_root, "commit-tree", base, "-m", "base")
        assert git.tree_with(commit, edits) == expected


def test_a_written_file_replaces_a_folder_and_its_removals(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a/b.txt": "b\n", "a/c/d.txt": "d\n", "keep": "k\n"})
    git = Git(repo.root)
    edits: dict[str, bytes | Stored | None] = {"a/b.txt": None, "a": b"now a file\n"}
    tree = git.tree_with("HEAD", edits)
    assert tree == _index_tree(repo.root, "HEAD", edits)
    assert repo.git("ls-tree", "-r", "--name-only", tree).split() == ["a", "keep"]
    with pytest.raises(GitError, match="inside a path written as a file"):
        git.tree_with("HEAD", {"a": b"file\n", "a/x": b"inside\n"})


def test_a_folder_emptied_goes_and_removing_what_is_not_there_changes_nothing(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "r", {"a/b.txt": "b\n", "keep": "k\n"})
    git = Git(repo.root)
    head_tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    assert git.tree_with("HEAD", {"nothing/here": None, "a": None}) == head_tree
    emptied = git.tree_with("HEAD", {"a/b.txt": None})
    assert repo.git("ls-tree", "-r", "--name-only", emptied).split() == ["keep"]
    empty = git.tree_with("HEAD", {"a/b.txt": None, "keep": None})
    assert empty == object_id("tree", b"", "sha1")
    assert git.tree_with(None, {}) == empty
    # a file removed, and removals inside it as if it were a folder: the file goes
    for edits in ({"keep": None, "keep/x": None}, {"keep/x": None, "keep": None}):
        gone = git.tree_with("HEAD", dict(edits))
        assert gone == _index_tree(repo.root, "HEAD", dict(edits))
        assert repo.git("ls-tree", "-r", "--name-only", gone).split() == ["a/b.txt"]


def test_a_folder_rewritten_gets_canonical_modes_like_git_index(tmp_path: Path) -> None:
    """A tree with a legacy 100664 entry (older git wrote them) is rewritten as git would."""
    repo = make_repo(tmp_path / "r")
    blob = _blob(repo.root, b"x\n")
    legacy = _git(repo.root, "mktree", input=f"100664 blob {blob}\told\n".encode())
    edits: dict[str, bytes | Stored | None] = {"new": b"n\n"}
    tree = Git(repo.root).tree_with(legacy, edits)
    assert tree == _index_tree(repo.root, legacy, edits)
    assert repo.git("ls-tree", tree).splitlines()[1].startswith("100644 blob")


@pytest.mark.parametrize("path", ["../x", "a/../b", ".git/hooks/x", "a/.GIT/x", "a//b", "git~1/x"])
def test_paths_git_refuses_are_refused(tmp_path: Path, path: str) -> None:
    repo = make_repo(tmp_path / "r")
    with pytest.raises(GitError, match="not a path git can store"):
        Git(repo.root).tree_with("HEAD", {path: b"x\n"})


def test_a_sha256_repository_gets_sha256_trees(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    _git(root, "init", "-q", "--object-format=sha256")
    git = Git(root)
    edits: dict[str, bytes | Stored | None] = {"docs/a.md": b"a\n", "b": b"b\n"}
    tree = git.tree_with(None, edits)
    assert len(tree) == 64 and tree == _index_tree(root, None, edits)
    again = git.tree_with(tree, {"docs/a.md": None})
    assert again == _index_tree(root, tree, {"docs/a.md": None})


def test_modes_and_packs_are_what_git_reads() -> None:
    assert [canonical_mode(m) for m in ["100664", "100755", "40000", "040000", "120000"]] == [
        "100644",
        "100755",
        "40000",
        "40000",
        "120000",
    ]
    data = pack([("blob", b"x" * 300)], "sha1")
    assert data[:4] == b"PACK" and len(data) > 20
