"""Symlink resolution against an oracle nobody here wrote: the operating system."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ap.scope import Change, check_changes
from ap.scope.links import MAX_HOPS, resolve_link

FOLDERS = ["x", "x/y"]
LINK_PLACES = ["a", "x/b", "x/y/c", "x/d"]
COMPONENTS = ["..", ".", "x", "y", "a", "b", "c", "d", "z", ""]


def _targets() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=5).map("/".join)


def _os_verdict(root: Path, link: str) -> tuple[int | None, str | None]:
    """What opening ``link`` fails with (ELOOP, ENOENT...), and where the OS's path
    resolution leads relative to root (None when it leaves root)."""
    try:
        os.stat(root / link)
        failure = None
    except OSError as exc:
        failure = exc.errno
    real = os.path.realpath(root / link)
    if real == str(root):
        return failure, ""
    if not real.startswith(str(root) + os.sep):
        return failure, None
    return failure, real[len(str(root)) + 1 :]


@settings(max_examples=150, deadline=None)
@given(links=st.dictionaries(st.sampled_from(LINK_PLACES), _targets(), min_size=1))
def test_resolution_is_what_the_os_does(links: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(os.path.realpath(tmp))
        for folder in FOLDERS:
            (root / folder).mkdir(parents=True, exist_ok=True)
        for path, target in links.items():
            if target:
                os.symlink(target, root / path)
        for path, target in links.items():
            if not target:
                continue
            found = resolve_link(path, target, links.get)
            failure, expected = _os_verdict(root, path)
            if found.path is not None:
                assert failure != errno.ELOOP and found.path == expected, (path, links, found)
            elif found.problem and "too many levels" in found.problem:
                # Where the OS stops at a missing folder (ENOENT), ap walks on as if it
                # existed (it may be created later) and meets the loop.
                assert failure in (errno.ELOOP, errno.ENOENT), (path, links, found)
            if expected is None:  # the OS left the repository: so must ap
                assert found.path is None, (path, links, found)


@pytest.mark.parametrize("length", [MAX_HOPS, MAX_HOPS + 1])
def test_the_hop_limit_is_the_os_limit(tmp_path: Path, length: int) -> None:
    """A chain of 40 symlinks opens; 41 do not (ELOOP), for the OS and for ap alike."""
    links = {f"l{n}": f"l{n + 1}" for n in range(length - 1)} | {f"l{length - 1}": "file"}
    (tmp_path / "file").write_text("x")
    for path, target in links.items():
        os.symlink(target, tmp_path / path)
    found = resolve_link("l0", links["l0"], links.get)
    try:
        (tmp_path / "l0").read_text()
        assert found.path == "file"
    except OSError as exc:
        assert exc.errno == errno.ELOOP
        assert found.path is None and "too many levels" in str(found.problem)


def test_a_change_alone_follows_its_own_links() -> None:
    """Without a tree, check_changes follows the symlinks the change itself adds."""
    changes = [
        Change("A", "src/auth/libdir", new_mode="120000", symlink_target="../../lib"),
        Change("A", "src/auth/p", new_mode="120000", symlink_target="libdir/y.py"),
    ]
    found = [v.describe() for v in check_changes(changes, touch=["src/auth/"])]
    assert found == [
        "src/auth/libdir: symlink target 'lib': outside scope_touch",
        "src/auth/p: symlink target 'lib/y.py' (through the symlink 'src/auth/libdir'): "
        "outside scope_touch",
    ]


def test_case_variants_of_a_link_are_one_link_unless_case_sensitive() -> None:
    changes = [
        Change("A", "src/auth/LibDir", new_mode="120000", symlink_target="../../lib"),
        Change("A", "src/auth/p", new_mode="120000", symlink_target="libdir/y.py"),
    ]
    found = [v.path for v in check_changes(changes, touch=["src/auth/"])]
    assert found == ["src/auth/LibDir", "src/auth/p"]
    found = [v.path for v in check_changes(changes, touch=["src/auth/"], case_sensitive=True)]
    assert found == ["src/auth/LibDir"]


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("", "is empty"),
        ("/etc/passwd", "is absolute"),
        ("..\\x", "backslash"),
        ("a\0b", "NUL"),
        ("..", "the repository's root folder"),
        ("../..", "outside the repository"),
    ],
)
def test_targets_that_lead_nowhere_allowed(target: str, problem: str) -> None:
    found = resolve_link("src/link", target, {}.get)
    assert found.path is None and problem in str(found.problem)
