"""Scope enforcement (docs/DESIGN.md §4, §6): an objective's scope, as the plan on its
integration branch states it, checked against a change set.

The plan is always read from ``<prefix><plan>/integration``, never from the
objective's own branch, so an objective cannot widen its own scope. This module
stays free of pydantic, click and jinja2: the pre-commit hook imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ap.core.errors import CheckFailed, GitError, UsageError
from ap.core.frontmatter import load_front_matter
from ap.core.hookcache import CACHE_SUFFIX, loose_ref, read_cache, write_cache
from ap.core.ids import STATE_FOLDERS, plan_relpath, report_relpath
from ap.core.settings import Settings
from ap.git import DiffEntry, Git
from ap.run.treelinks import BaseTree, TreeLinks, to_changes
from ap.scope.effective import EffectiveScope, effective_scopes, pattern_list

if TYPE_CHECKING:
    from ap.scope.changes import Change, ChangeViolation


__all__ = ["CheckOutcome", "ObjectiveScope", "Settings", "check_branch", "check_staged"]


class ObjectiveScope(NamedTuple):
    """What one objective may change: its touch, minus what is forbidden to it."""

    plan_id: str
    task: str
    title: str
    wave: int
    touch: tuple[str, ...]
    forbid: tuple[str, ...]
    guarded: tuple[str, ...]
    allowed: tuple[str, ...]
    report_path: str
    case_sensitive: bool
    base: str | None = None

    @classmethod
    def from_plan(
        cls,
        plan: Mapping[str, Any],
        task: str,
        settings: Settings,
        scopes: Mapping[str, EffectiveScope] | None = None,
    ) -> ObjectiveScope:
        """The scope of ``task`` in a plan's front matter (plain data, as loaded from YAML);
        ``scopes``: the plan's :func:`effective_scopes`, when the caller has them already."""
        plan_id = str(plan.get("id", ""))
        scope = (effective_scopes(plan) if scopes is None else scopes).get(task)
        if scope is None:
            raise CheckFailed(
                f"plan {plan_id} has no objective {task!r}",
                hint="objective branches are named <prefix><plan-id>/<task-id>",
            )
        mine = next(o for o in plan["objectives"] if str(o.get("id")) == task)
        wave = scope.wave
        # The global forbid is checked as `guarded` (the owner's --allow may open it);
        # the rest of the forbid scope, and ap's own state folders, never open.
        state = [f"{settings.state_dir}/{name}/" for name in STATE_FOLDERS]
        forbid = [*scope.own, *scope.others, *state]
        base = mine.get("base")
        return cls(
            plan_id=plan_id,
            task=task,
            title=str(mine.get("title", "")),
            wave=wave if isinstance(wave, int) else 0,
            touch=scope.touch,
            forbid=tuple(dict.fromkeys(forbid)),
            guarded=scope.global_forbid,
            allowed=tuple(pattern_list(plan.get("allowed", []), f"plan {plan_id}: allowed")),
            report_path=report_relpath(settings.state_dir, plan_id, task),
            case_sensitive=settings.case_sensitive,
            base=base if isinstance(base, str) else None,
        )

    def check(
        self,
        changes: Iterable[Change],
        links: Callable[[str], str | None] | None = None,
        *,
        beyond_links: bool = False,
    ) -> list[ChangeViolation]:
        """The violations of this scope in ``changes``; ``links``: the checked tree's symlinks."""
        from ap.scope.changes import check_changes

        return check_changes(
            changes,
            touch=self.touch,
            forbid=self.forbid,
            guarded=self.guarded,
            allowed=self.allowed,
            always_allowed=[self.report_path],
            case_sensitive=self.case_sensitive,
            links=links,
            beyond_links=beyond_links,
        )


class CheckOutcome:
    """The result of checking one objective's change set."""

    def __init__(
        self,
        scope: ObjectiveScope,
        branch: str,
        changes: list[Change],
        violations: list[ChangeViolation],
        entries: list[DiffEntry],
        base: str | None = None,
    ) -> None:
        self.scope = scope
        self.branch = branch
        self.changes = changes
        self.violations = violations
        self.entries = entries
        self.base = base

    @property
    def ok(self) -> bool:
        return not self.violations

    def describe(self) -> str:
        """Each violation with the scope it breaks, for people."""
        s = self.scope
        lines = [f"{self.branch} ({s.task}: {s.title}) changes what its scope does not allow:"]
        lines += [f"  {v.describe()}" for v in self.violations]
        lines.append(f"scope_touch of {s.task}: {', '.join(s.touch) or '(none)'}")
        return "\n".join(lines)


def plan_data(git: Git, settings: Settings, plan_id: str) -> dict[str, Any]:
    """The plan's front matter as committed on its integration branch."""
    branch = settings.branches.integration(plan_id)
    path = plan_relpath(settings.state_dir, plan_id)
    if git.rev_parse(f"refs/heads/{branch}") is None:
        raise CheckFailed(
            f"plan {plan_id} has no integration branch {branch}",
            hint=f"run `ap start {plan_id}` (or fetch the branch) before working on its objectives",
        )
    text = git.show_file(f"refs/heads/{branch}", path)
    if text is None:
        raise CheckFailed(f"{branch} holds no {path}", hint="the integration branch is damaged")
    return load_front_matter(text, where=f"{branch}:{path}")


def _scope_of(
    git: Git,
    settings: Settings,
    branch: str,
    cache: str | None = None,
    plan: Mapping[str, Any] | None = None,
) -> ObjectiveScope | None:
    parsed = settings.branches.parse_objective(branch)
    if parsed is None:
        return None
    plan_id, task = parsed
    if plan is not None:
        return ObjectiveScope.from_plan(plan, task, settings)
    if cache is not None:
        cached = _cached_scope(git, settings, plan_id, task, cache)
        if cached is not None:
            return cached
    return ObjectiveScope.from_plan(plan_data(git, settings, plan_id), task, settings)


def _cached_scope(
    git: Git, settings: Settings, plan_id: str, task: str, cache: str
) -> ObjectiveScope | None:
    """The scope, from a cache keyed by the integration commit (content-addressed: never stale).

    ``cache`` is ``<git common dir>/ap/cache``; a loose ref is read from the file
    git keeps it in, sparing a process (a packed one is asked of git).
    """

    integration = settings.branches.integration(plan_id)
    path = plan_relpath(settings.state_dir, plan_id)
    oid = loose_ref(os.path.dirname(os.path.dirname(cache)), f"refs/heads/{integration}")
    oid = oid or git.rev_parse(f"refs/heads/{integration}")
    if oid is None:
        return None  # the slow path says what is wrong
    key = f"{oid}-{task}-{settings.state_dir.replace('/', '_')}-{int(settings.case_sensitive)}"
    file = os.path.join(cache, f"{key}{CACHE_SUFFIX}")
    cached = read_cache(file, ObjectiveScope)
    if cached is not None:
        return cached
    text = git.show_file(oid, path)
    if text is None:
        return None
    data = load_front_matter(text, where=f"{integration}:{path}")
    scope = ObjectiveScope.from_plan(data, task, settings)
    write_cache(file, scope._asdict())
    return scope


def check_staged(
    git: Git,
    settings: Settings,
    *,
    branch: str | None = None,
    cache: str | None = None,
    plan: Mapping[str, Any] | None = None,
) -> CheckOutcome | None:
    """What the index would commit on the current objective branch (None off such branches).

    Compared with the objective's start commit, so earlier ``--no-verify`` commits count too.
    ``cache`` (a folder) keeps parsed scopes between runs, for the hook; ``plan`` is
    the integration branch's plan when the caller has it already.
    """
    branch = branch or git.current_branch()
    scope = _scope_of(git, settings, branch or "", cache, plan)
    if scope is None or branch is None:
        return None
    entries = None
    base = scope.base
    if base:
        later = git.diff_raw_later(base, cached=True)
        import ap.scope.changes  # noqa: F401 -- the checker loads while git computes the diff

        try:
            entries = later()
        except GitError:  # the start commit is gone: compare with HEAD
            entries = None
    if entries is None:
        base = git.head()
        entries = git.diff_raw(base, cached=True) if base else git.diff_raw(cached=True)
    # The index cannot hold a path below a symlink, so only trees are searched for one.
    return _outcome(git, scope, branch, entries, base, staged=True)


def check_range(git: Git, settings: Settings, old: str, new: str) -> CheckOutcome | None:
    """The change from ``old`` to ``new`` against the current objective branch's scope."""
    branch = git.current_branch()
    scope = _scope_of(git, settings, branch or "")
    if scope is None or branch is None:
        return None
    start = _commit(git, old)
    return _outcome(git, scope, branch, git.diff_raw(start, _commit(git, new)), start)


def check_branch(
    git: Git, settings: Settings, branch: str, plan: Mapping[str, Any] | None = None
) -> CheckOutcome | None:
    """The whole change of an objective branch since its start (the merge-time check):
    :func:`check_branches` of that branch at its current tip (None off objective branches)."""
    parsed = settings.branches.parse_objective(branch)
    if parsed is None:
        return None
    data = plan if plan is not None else plan_data(git, settings, parsed[0])
    tip = _commit(git, f"refs/heads/{branch}")
    return check_branches(git, settings, {branch: tip}, data).get(branch)


def check_branches(
    git: Git, settings: Settings, tips: Mapping[str, str], plan: Mapping[str, Any]
) -> dict[str, CheckOutcome]:
    """The merge-time check of objective branches of one plan (``{branch: tip}``): each
    branch's whole change since its start commit, against its scope.

    Git is asked once per start commit whether each branch still contains it and once
    for every diff. A branch with no start recorded, or one git does not know, is
    compared from where it meets the integration branch.
    """
    scopes: dict[str, ObjectiveScope] = {}
    effective = effective_scopes(plan)
    for branch in tips:
        parsed = settings.branches.parse_objective(branch)
        if parsed is not None:
            scopes[branch] = ObjectiveScope.from_plan(plan, parsed[1], settings, effective)
    starts, rewritten = _starts(git, settings, scopes, tips)
    pairs = [(starts[branch], tips[branch]) for branch in scopes]
    trees: dict[str, BaseTree] = {}  # branches started together share their base's folders
    outcomes: dict[str, CheckOutcome] = {}
    for (branch, scope), entries in zip(scopes.items(), git.diff_raw_pairs(pairs), strict=True):
        start = starts[branch]
        tree = trees.get(start) or trees.setdefault(
            start, BaseTree(git, start, scope.case_sensitive)
        )
        outcome = _outcome(git, scope, branch, entries, tree)
        if branch in rewritten:
            outcome.violations.insert(0, _rewritten(branch, start))
        outcome.base = start
        outcomes[branch] = outcome
    return outcomes


def _starts(
    git: Git, settings: Settings, scopes: Mapping[str, ObjectiveScope], tips: Mapping[str, str]
) -> tuple[dict[str, str], set[str]]:
    """Each branch's start commit, and the branches that no longer contain theirs."""
    by_base: dict[str, list[str]] = {}
    for branch, scope in scopes.items():
        by_base.setdefault(scope.base or "", []).append(branch)
    starts: dict[str, str] = {}
    rewritten: set[str] = set()
    for base, branches in by_base.items():
        refs = [f"refs/heads/{b}" for b in branches]
        found = git.containing(base, refs) if base else None
        if found is None:  # no recorded start, or git does not know it
            for branch in branches:
                integration = settings.branches.integration(scopes[branch].plan_id)
                starts[branch] = git.merge_base(f"refs/heads/{integration}", tips[branch])
            continue
        starts.update(dict.fromkeys(branches, base))
        rewritten.update(b for b, ref in zip(branches, refs, strict=True) if ref not in found)
    return starts, rewritten


def _rewritten(branch: str, base: str) -> ChangeViolation:
    from ap.scope.changes import ChangeViolation

    return ChangeViolation(
        branch, f"the branch was rewritten: it no longer contains its start commit {base[:12]}"
    )


def _commit(git: Git, rev: str) -> str:
    oid = git.rev_parse(rev)
    if oid is None:
        raise UsageError(f"{rev!r} names no commit", hint="give a branch, tag or commit id")
    return oid


def check_diff(
    git: Git, scope: ObjectiveScope, entries: Sequence[DiffEntry], base: str
) -> list[ChangeViolation]:
    """The violations of a diff from ``base`` to a commit, checked as the merge checks it."""
    return _outcome(git, scope, scope.task, entries, base).violations


def _outcome(
    git: Git,
    scope: ObjectiveScope,
    branch: str,
    entries: Sequence[DiffEntry],
    base: str | BaseTree | None,
    *,
    staged: bool = False,
) -> CheckOutcome:
    """Check ``entries``, a diff from ``base`` to the tree checked (a commit's, or the index).

    Symlinks are followed through that tree's symlinks, which are read from git only
    when the change holds a symlink (or, for a commit's tree, to look for a path git
    would never store below one).
    """
    changes = to_changes(git, entries)
    links = None
    if not staged or any(c.new_mode == "120000" for c in changes):
        tree = base if isinstance(base, BaseTree) else BaseTree(git, base, scope.case_sensitive)
        targets = {e.new_oid: c.symlink_target for e, c in zip(entries, changes, strict=True)}
        links = TreeLinks(tree, entries, {k: v for k, v in targets.items() if v is not None})
    violations = scope.check(changes, links, beyond_links=not staged)
    return CheckOutcome(scope, branch, changes, violations, list(entries))
