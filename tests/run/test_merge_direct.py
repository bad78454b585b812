"""A wave merged by tree edits equals git's own merge (``merge-tree``, folded branch by branch).

When the branches (and the integration branch since their start) change disjoint
paths, ``ap merge-wave`` skips ``git merge-tree`` and writes the union of the branch
diffs straight onto the integration tip. Oracle: git folding the same branches.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from ap.git import Git
from ap.run.merge import Ready, direct_changes, fold
from tests.helpers import make_repo

BASE = {"f1": "1\n", "d/f2": "2\n", "d/e/f3": "3\n", "x": "x\n", "docs/plans/p.md": "plan\n"}
PATHS = ["f1", "d/f2", "d/e/f3", "x", "x/y", "new", "d/new", "q", "q/r"]
change = st.one_of(st.none(), st.sampled_from(["a\n", "b\n", "3\n"]))
branch = st.dictionaries(st.sampled_from(PATHS), change, max_size=4)


def _valid(changes: dict[str, str | None]) -> bool:
    """Whether BASE with ``changes`` is a possible tree (no file where a folder must be)."""
    files = {p for p in BASE if changes.get(p, "") is not None} | {
        p for p, v in changes.items() if v is not None
    }
    return not any(
        "/".join(p.split("/")[:n]) in files for p in files for n in range(1, p.count("/") + 1)
    )


def _commit(git: Git, parent: str, changes: dict[str, str | None], message: str) -> str:
    files: dict[str, Any] = {p: (v.encode() if v is not None else None) for p, v in changes.items()}
    return git.commit_tree(git.tree_with(parent, files), [parent], message)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(branch, min_size=1, max_size=3), st.sampled_from([None, *PATHS]))
def test_direct_merge_equals_merge_tree(
    branches: list[dict[str, str | None]], integration_also: str | None
) -> None:
    assume(all(_valid(b) for b in branches))
    moved = {"docs/plans/p.md": "started\n"}
    if integration_also is not None:
        moved[integration_also] = "integration\n"
    assume(_valid(moved))
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "r", BASE)
        git = Git(repo.root)
        base = repo.git("rev-parse", "HEAD").strip()
        tip = _commit(git, base, dict(moved), "start")
        ready = []
        for number, changes in enumerate(branches, 1):
            head = _commit(git, base, changes, f"T{number}")
            outcome = SimpleNamespace(entries=git.diff_raw(base, head), base=base)
            ready.append(Ready(f"T{number}", f"b{number}", head, outcome))  # type: ignore[arg-type]
        edits = direct_changes(git, tip, ready)
        folded, merged, conflicts = fold(git, tip, ready)
        event("direct" if edits is not None else "folded")
        if edits is None:
            return
        assert not conflicts and len(merged) == len(ready)
        assert git.tree_with(tip, edits) == git.run("rev-parse", f"{folded}^{{tree}}").strip()
