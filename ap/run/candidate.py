"""The wave's candidate: its checked branches combined onto the integration tip.

Branches that change disjoint paths become plain tree edits (what a three-way merge
of disjoint changes gives); others are folded with ``git merge-tree`` and the result
must be exactly the union of their diffs. Then the named contracts of the merged
providers are checked on the candidate tree; a provider that broke one is dropped.
Nothing here moves a ref: :func:`ap.run.merge.merge_wave` publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ap.core.errors import MergeConflict
from ap.core.models import ContractCheck, CoordinationPlan
from ap.git import Git, Stored
from ap.run.contracts import check_contracts
from ap.run.enforce import CheckOutcome
from ap.run.ledger import Ledger


@dataclass
class Ready:
    """A done objective branch, checked."""

    task: str
    branch: str
    tip: str
    outcome: CheckOutcome


def fold(git: Git, tip: str, ready: list[Ready]) -> tuple[str, list[Ready], dict[str, str]]:
    """Merge the branches one by one onto ``tip`` without a work tree: (commit, merged, failed)."""
    current, merged, failed = tip, [], {}
    for item in ready:
        result = git.merge_tree(current, item.tip)
        if not result.clean:
            failed[item.task] = (
                f"conflicts with the integration branch in {', '.join(result.conflicts)}"
            )
            continue
        current = git.commit_tree(result.tree, [current, item.tip], f"ap: fold {item.task}")
        merged.append(item)
    return current, merged, failed


def direct_changes(git: Git, tip: str, ready: list[Ready]) -> dict[str, Stored | None] | None:
    """The wave's merge as plain tree edits, when that is exactly what a merge would give.

    That is when no path is changed twice — by two branches, or by a branch and the
    integration branch since that branch's start (normally only ap's own plan
    files) — and no file added stands where another change needs a folder. Then
    each path simply takes the one version that changed it (a three-way merge of
    disjoint changes), and the merged diff is the union of the branch diffs by
    construction. None otherwise: the branches are folded with ``git merge-tree``.
    """
    union: dict[str, Stored | None] = {}
    for item in ready:
        for entry in item.outcome.entries:
            if entry.path in union:
                return None
            deleted = entry.status == "D"
            union[entry.path] = None if deleted else (entry.new_mode, entry.new_oid)
    bases = sorted({str(item.outcome.base) for item in ready})
    present = {p for p, v in union.items() if v is not None}
    for entries in git.diff_raw_pairs([(base, tip) for base in bases]):
        for entry in entries:
            if entry.path in union:
                return None
            if entry.status != "D":
                present.add(entry.path)
    for path in present:
        parts = path.split("/")
        if any("/".join(parts[:n]) in present for n in range(1, len(parts))):
            return None  # a file where another path needs a folder
    return union


def combine(
    git: Git, tip: str, good: list[Ready], failed: dict[str, str], *, as_commit: bool
) -> tuple[str, list[Ready], dict[str, Stored | None]]:
    """The wave's merge: ``(a commit, the merged, tree edits still to apply on it)``.

    Disjoint branches become tree edits on ``tip`` (no process per branch); others
    are folded with ``git merge-tree`` (conflicts go into ``failed``) and checked
    against the union of their diffs. ``as_commit``: the gates need the candidate
    as a commit, so the edits are applied to one.
    """
    changes = direct_changes(git, tip, good) if good else None
    if changes is None:
        folded, merged, conflicts = fold(git, tip, good)
        failed.update(conflicts)
        check_union(git, tip, folded, merged)
        return folded, merged, {}
    if not as_commit:
        return tip, good, changes
    tree = git.tree_with(tip, changes)
    return git.commit_tree(tree, [tip, *(m.tip for m in good)], "ap: candidate"), good, {}


def keep_contracts(
    git: Git,
    ledger: Ledger,
    plan: CoordinationPlan,
    wave: int,
    tip: str,
    good: list[Ready],
    failed: dict[str, str],
    *,
    as_commit: bool,
) -> tuple[str, list[Ready], dict[str, Stored | None], list[ContractCheck]]:
    """:func:`combine`, then the named contracts of the merged providers checked on the
    candidate tree; a provider that broke one fails (with the contract quoted) and the
    wave is combined again without it, until every merged provider keeps its promises."""
    broken: list[ContractCheck] = []
    while True:
        attempt = dict(failed)  # (a conflict may go away without a dropped provider)
        base, merged, changes = combine(git, tip, good, attempt, as_commit=as_commit)
        tasks = {m.task for m in merged}
        named = [c for c in plan.integration_contracts if c.symbol and c.provider in tasks]
        tree = git.tree_with(base, changes) if named and changes else base
        checks = check_contracts(git, tree, named, branch=ledger.branch, wave=wave)
        dropped = {c.provider: c.reason for c in reversed(checks) if not c.passed}
        if not dropped:
            failed.update(attempt)
            return base, merged, changes, broken + checks
        broken += [c for c in checks if not c.passed]
        failed.update(dropped)
        good = [r for r in good if r.task not in dropped]


def check_union(git: Git, tip: str, folded: str, merged: list[Ready]) -> None:
    """The merged diff must be exactly the union of the branch diffs."""
    expected: dict[str, tuple[str, str]] = {}
    for item in merged:
        for entry in item.outcome.entries:
            expected[entry.path] = (entry.new_mode, entry.new_oid)
    actual = {e.path: (e.new_mode, e.new_oid) for e in git.diff_raw(tip, folded)}
    differing = sorted(
        p for p in expected.keys() | actual.keys() if expected.get(p) != actual.get(p)
    )
    if differing:
        shown = ", ".join(differing[:5]) + (" …" if len(differing) > 5 else "")
        raise MergeConflict(
            f"the merged tree differs from the union of the branch diffs at {shown}; "
            "nothing was merged",
            hint="git moved or changed a path no objective changed; merge these branches by hand",
        )
