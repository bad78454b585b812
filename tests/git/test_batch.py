"""The batched git reads ``ap run`` relies on, against git answering one question at a time."""

from __future__ import annotations

import itertools
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ap.core.errors import GitError
from ap.git import Git, _Spawned, locate
from tests.helpers import make_repo

# Names chosen to confuse a parser: one looks like a commit id, one like a raw record.
NAMES = ["a.txt", "dir/b.py", ":colon", "0" * 40, "sp ace", "tab\tname", "ünï", "dir/sub/c"]

edits = st.lists(
    st.dictionaries(st.sampled_from(NAMES), st.one_of(st.none(), st.text(max_size=3))),
    min_size=1,
    max_size=4,
)


def _commits(root: Path, steps: list[dict[str, str | None]]) -> list[str]:
    repo = make_repo(root, {"base.txt": "base\n"})
    commits = [repo.git("rev-parse", "HEAD").strip()]
    for step in steps:
        for name, text in step.items():
            target = root / name
            if text is None:
                target.unlink(missing_ok=True)
            else:
                repo.write(name, text + "\n")
        commits.append(repo.commit("step"))
    return commits


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_diff_pairs_equal_one_diff_at_a_time(steps: list[dict[str, str | None]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        commits = _commits(Path(tmp) / "r", steps)
        git = Git(Path(tmp) / "r")
        pairs = [*itertools.permutations(commits, 2), (commits[0], commits[0])]
        assert git.diff_raw_pairs(pairs) == [git.diff_raw(a, b) for a, b in pairs]
        assert git.numstat_pairs(pairs) == [git.numstat(a, b) for a, b in pairs]


def test_batches_of_nothing_run_nothing(tmp_path: Path) -> None:
    git = Git(make_repo(tmp_path / "r").root)
    assert git.diff_raw_pairs([]) == [] and git.numstat_pairs([]) == []
    assert git.show_files("HEAD", []) == {} and git.messages([]) == {}
    assert git.create_refs({}) == set() and git.containing("HEAD", []) == set()


def test_show_files_reads_present_and_missing_paths(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.md": "A\n", "d/b.md": "B\n"})
    git = Git(repo.root)
    paths = ["d/b.md", "missing.md", "d", "a.md"]
    assert git.show_files("HEAD", paths) == {
        "d/b.md": "B\n",
        "missing.md": None,
        "d": None,  # a folder is not a file
        "a.md": "A\n",
    }


def test_messages_equal_git_log(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    first = repo.git("rev-parse", "HEAD").strip()
    repo.write("x", "x\n")
    second = repo.commit("feat: x\n\nbody\n\nAP-Plan: p\nAP-Status: done")
    git = Git(repo.root)
    found = git.messages([first, second, "f" * 40])
    assert set(found) == {first, second}
    for oid in (first, second):
        assert found[oid].strip() == git.message(oid).strip()


def test_create_refs_makes_only_missing_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    head = repo.git("rev-parse", "HEAD").strip()
    git = Git(repo.root)
    assert git.create_refs({"refs/heads/x": head, "refs/heads/y": head}) == {
        "refs/heads/x",
        "refs/heads/y",
    }
    repo.write("z", "z\n")
    other = repo.commit("z")
    # x exists (at head): the transaction fails, so they are made one by one; x is kept.
    assert git.create_refs({"refs/heads/x": other, "refs/heads/w": other}) == {"refs/heads/w"}
    assert git.rev_parse("refs/heads/x") == head
    assert git.rev_parse("refs/heads/w") == other


def test_containing_answers_like_merge_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("branch", "keeps")
    repo.git("checkout", "-q", "--orphan", "rewritten")
    repo.write("new", "n\n")
    repo.commit("rewritten")
    git = Git(repo.root)
    refs = ["refs/heads/keeps", "refs/heads/rewritten", "refs/heads/main"]
    assert git.containing(base, refs) == {
        r for r in refs if git.is_ancestor(base, git.rev_parse(r) or "")
    }
    assert git.containing("f" * 40, refs) is None  # git does not know that commit


@pytest.mark.parametrize("count", [1, 3])
def test_tree_with_writes_every_file(tmp_path: Path, count: int) -> None:
    repo = make_repo(tmp_path / "r", {"keep.txt": "k\n", "gone.txt": "g\n"})
    git = Git(repo.root)
    files: dict[str, bytes | None] = {f"docs/f{i}.md": f"{i}\n".encode() for i in range(count)}
    files["gone.txt"] = None
    tree = git.tree_with("HEAD", files)
    listed = repo.git("ls-tree", "-r", "--name-only", tree).split()
    assert sorted(listed) == sorted(["keep.txt", *(f"docs/f{i}.md" for i in range(count))])
    for i in range(count):
        assert repo.git("cat-file", "-p", f"{tree}:docs/f{i}.md") == f"{i}\n"


def test_index_path_and_git_dir_equal_what_git_says(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    repo.git("worktree", "add", "-q", str(tmp_path / "linked"), "-b", "other")
    apart = tmp_path / "apart"
    subprocess.run(
        ["git", "init", "-q", f"--separate-git-dir={tmp_path / 'apart.git'}", str(apart)],
        check=True,
    )
    for root in (repo.root, tmp_path / "linked", apart):
        git = Git(root)
        assert git.index_path().resolve() == git.git_path("index").resolve()
        common = git.run("rev-parse", "--path-format=absolute", "--git-common-dir").strip()
        assert git.git_dir() == Path(common).resolve()
    assert Git(tmp_path / "linked").git_dir() == (repo.root / ".git").resolve()
    with_env = Git(repo.root, {"GIT_INDEX_FILE": str(tmp_path / "elsewhere")})
    assert with_env.index_path() == tmp_path / "elsewhere"


def test_commits_in_equals_rev_list(tmp_path: Path) -> None:
    commits = _commits(tmp_path / "r", [{"a.txt": "1"}, {"a.txt": "2"}, {"b": "3"}, {"b": None}])
    git = Git(tmp_path / "r")
    ranges = [
        (commits[0], commits[-1]),  # several commits: rev-list
        (commits[1], commits[2]),  # one commit on its start: read from the object
        (commits[2], commits[2]),
        (commits[2], commits[1]),  # backwards: nothing
        (commits[0], "HEAD"),  # a name, not an id
    ]
    expected = [git.rev_list("--reverse", f"{a}..{b}") for a, b in ranges]
    assert git.commits_in(ranges) == expected
    assert expected[:4] == [commits[1:], [commits[2]], [], []] and expected[4] == commits[1:]
    assert git.commits_in(ranges[:1]) == expected[:1] and git.commits_in([]) == []


def test_the_open_reader_answers_many_names_in_order_with_big_objects(tmp_path: Path) -> None:
    """More names than one chunk, answers bigger than a pipe's buffer, missing ones between."""
    repo = make_repo(tmp_path / "r")
    contents = [f"{n}\n".encode() * (20_000 if n % 50 == 0 else 1) for n in range(600)]
    oids = [
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=repo.root, input=data, capture_output=True, check=True,
        ).stdout.decode().strip()
        for data in contents
    ]  # fmt: skip
    names = [x for oid in oids for x in (oid, "f" * 40)] * 2  # ~100 KB of names
    git = Git(repo.root)
    found = git.read_objects(names)
    assert found[1::2] == [None] * 1200
    assert [(o[0], o[1], o[2]) for o in found[::2] if o] == [
        (oid, "blob", data) for oid, data in zip(oids, contents, strict=True)
    ] * 2
    assert git.read_blobs(oids[:3]) == dict(zip(oids[:3], contents[:3], strict=True))
    with pytest.raises(GitError, match="line break"):
        git.read_objects(["HEAD\nHEAD"])


def test_a_folder_that_is_gone_is_a_git_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worktree removed under ap's feet (or no git at all) is an error ap can report."""
    repo = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    gone = tmp_path / "gone"
    with pytest.raises(GitError, match="gone is not a directory"):
        Git(gone).run_bytes("status")
    with pytest.raises(GitError, match="gone is not a directory"):
        Git(repo.root).run_bytes("status", cwd=gone)
    with pytest.raises(GitError, match="gone is not a directory"):
        Git(gone).read_object("HEAD")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GitError, match="git could not be run") as caught:
        Git(repo.root).run_bytes("status")
    assert caught.value.hint == "install git and try again"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=3000))
@example(3000, 3000)  # both pipes well past their buffer at once
def test_the_hooks_spawned_git_answers_as_subprocess_does(present: int, missing: int) -> None:
    """The hook's lean git runner (posix_spawn, both pipes drained together) gives what
    subprocess gives: exit code, standard output and standard error, however large."""
    with tempfile.TemporaryDirectory() as tmp:
        names = {f"{'long-name-' * 4}{i:05d}.txt": "x\n" for i in range(present)}
        repo = make_repo(Path(tmp) / "r", names)
        # matched names on stdout, an error per unmatched one on stderr (both can be big)
        args = ["ls-files", "--error-unmatch", "--", "*.txt"]
        args += [f"missing-{i:05d}-{'x' * 60}" for i in range(missing)]
        expected = subprocess.run(
            ["git", "-C", str(repo.root), *args], capture_output=True, check=False
        )
        got = _Spawned(args, str(repo.root), dict(os.environ)).finish()
        assert got == (expected.returncode, expected.stdout, expected.stderr)


def test_without_git_the_hooks_calls_are_errors_to_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    found = locate(str(repo.root))  # (read from git's files: no process)
    assert found is not None and found.branch == "main"
    with pytest.raises(GitError, match="git could not be run"):
        Git(repo.root).diff_raw_later("HEAD", cached=True)
