"""The symlinks of a checked tree, read from git: a base commit with a diff over it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ap.git import Git
from ap.run.treelinks import BaseTree, TreeLinks, to_changes
from tests.helpers import make_repo

PLACES = ["a", "x/b", "x/y/c", "x/d", "X/e"]
PROBES = [*PLACES, "x", "x/y", "X", "A", "x/Y/c", "nowhere/z"]
TARGETS = st.sampled_from(["..", "x/y", "../a", "c", "/etc", "a/b/c", "é"])


def _place(root: Path, links: dict[str, str]) -> None:
    for path, target in links.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / path)


def _expected(links: dict[str, str], path: str, case_sensitive: bool) -> str | None:
    if case_sensitive:
        return links.get(path)
    found = [t for p, t in links.items() if p.lower() == path.lower()]
    return found[0] if len(found) == 1 else None


@settings(max_examples=25, deadline=None)
@given(
    before=st.dictionaries(st.sampled_from(PLACES), TARGETS),
    after=st.dictionaries(st.sampled_from(PLACES), TARGETS),
    case_sensitive=st.booleans(),
)
def test_lookup_is_the_index_after_the_change(
    before: dict[str, str], after: dict[str, str], case_sensitive: bool
) -> None:
    """Whatever the base held, the lookup sees exactly the symlinks the index holds."""
    tmp = Path(tempfile.mkdtemp())
    try:
        repo = make_repo(tmp / "repo", {"x/keep": "k\n", "x/y/keep": "k\n", "X/keep": "k\n"})
        _place(repo.root, before)
        base = repo.commit("before")
        for path in before:
            (repo.root / path).unlink()
        _place(repo.root, after)
        repo.git("add", "-A")
        git = Git(repo.root)
        entries = git.diff_raw(base, cached=True)
        changes = to_changes(git, entries)
        targets = {e.new_oid: c.symlink_target for e, c in zip(entries, changes, strict=True)}
        tree = BaseTree(git, base, case_sensitive)
        links = TreeLinks(tree, entries, {k: v for k, v in targets.items() if v is not None})
        for probe in PROBES:
            expected = _expected(after, probe, case_sensitive)
            if expected is not None or case_sensitive:
                assert links(probe) == expected, (probe, before, after)
            else:  # of case variants, any that is a symlink is followed
                variants = [p for p in after if p.lower() == probe.lower()]
                assert (links(probe) is not None) == bool(variants), (probe, after)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
