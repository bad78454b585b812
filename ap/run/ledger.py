"""The plan as committed on its integration branch, changed only by compare-and-swap commits.

Every state change of a plan (a wave started, a wave merged, the accomplishment)
is one commit built off any work tree (trees built in memory) and published by one
``git update-ref NEW OLD``. A crash before that leaves nothing behind but
unreferenced objects; a second process racing on the same plan loses the swap,
re-reads the plan and finds the work done.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ap.core.config import ApConfig
from ap.core.errors import ArtifactError, CheckFailed
from ap.core.ids import Branches, plan_relpath
from ap.core.models import CoordinationPlan
from ap.core.settings import Settings
from ap.git import Git, Stored, parse_trailers
from ap.state.store import KINDS, from_markdown, to_markdown

if TYPE_CHECKING:
    from ap.run.integrity import Trust


class _PlanCache:
    """Parsed plans by (commit id, path): a commit's content never changes, so never stale.

    Reading and parsing a plan costs more than every git call around it; ``ap run``
    reads the same few commits again and again. The plans are kept as data and each
    caller gets a new model of it (validating is much faster than a deep copy).
    """

    SIZE = 64

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, commit: str, path: str) -> CoordinationPlan | None:
        with self._lock:
            data = self._plans.get((commit, path))
            if data is not None:
                self._plans.move_to_end((commit, path))
        return CoordinationPlan.model_validate(data) if data is not None else None

    def put(self, commit: str, path: str, plan: CoordinationPlan) -> None:
        data = plan.model_dump()
        with self._lock:
            self._plans[(commit, path)] = data
            while len(self._plans) > self.SIZE:
                self._plans.popitem(last=False)


_PLANS = _PlanCache()


def trailers(**values: str) -> str:
    """``AP-Key: value`` lines for a commit message (keys given in snake case)."""
    return "\n".join(f"AP-{k.replace('_', '-').title()}: {v}" for k, v in values.items())


class Ledger:
    """One plan's integration branch."""

    def __init__(self, git: Git, config: ApConfig, plan_id: str) -> None:
        self.git = git
        self.config = config
        self.plan_id = plan_id
        self.branches = Branches(config.branch_prefix)
        self.branch = self.branches.integration(plan_id)
        self.ref = f"refs/heads/{self.branch}"
        self.plan_path = plan_relpath(config.state_dir, plan_id)
        self._trust: Trust | None = None

    @property
    def trust(self) -> Trust:
        """The commits of this branch known to be ap's (see :mod:`ap.run.integrity`)."""
        if self._trust is None:
            from ap.run.integrity import Trust, trust_key

            key = trust_key(
                self.config.state_dir, self.config.branch_prefix, self.config.case_sensitive_scopes
            )
            self._trust = Trust(self.git, self.plan_id, key)
        return self._trust

    def verify(self, tip: str) -> None:
        """Refuse (exit 1, changing nothing) to build on ``tip`` unless only ap's own commits
        moved the branch there since the plan's first commit, and its plan is valid."""
        from ap.run.integrity import validate_tip, verify_chain

        verify_chain(self, tip)
        validate_tip(self, self.load(tip))

    def check(self, tip: str) -> None:
        """:meth:`verify` ``tip``, and refuse while a worktree has the branch checked out:
        what ``ap start``, ``merge-wave`` and ``accomplish`` do before building on it."""
        self.verify(tip)
        self.require_movable()

    def require_movable(self) -> None:
        """Refuse (exit 1) while a worktree has the branch checked out."""
        from ap.run.integrity import refuse_checked_out

        refuse_checked_out(self.git, self.branch)

    @property
    def settings(self) -> Settings:
        return Settings(
            self.config.state_dir, self.config.branch_prefix, self.config.case_sensitive_scopes
        )

    def tip(self) -> str | None:
        return self.git.rev_parse(self.ref)

    def require_tip(self) -> str:
        tip = self.tip()
        if tip is None:
            from ap.run.integrity import refuse_gone

            refuse_gone(self)  # ap started it, and it is gone: say so
            raise CheckFailed(
                f"plan {self.plan_id} has not started: there is no {self.branch}",
                hint=f"run `ap start {self.plan_id}`",
            )
        return tip

    def load(self, rev: str | None = None) -> CoordinationPlan:
        """The plan at ``rev`` (a commit id is cached; default: the branch's tip)."""
        commit = rev if rev is not None and _is_oid(rev) else self.git.rev_parse(rev or self.ref)
        where = f"{self.branch}:{self.plan_path}"
        if commit is None:
            raise CheckFailed(
                f"plan {self.plan_id} has not started: there is no {self.branch}",
                hint=f"run `ap start {self.plan_id}`",
            )
        cached = _PLANS.get(commit, self.plan_path)
        if cached is not None:
            return cached
        text = self.git.show_file(commit, self.plan_path)
        if text is None:
            raise ArtifactError(f"{where}: no such file", hint="the integration branch is damaged")
        plan = from_markdown(CoordinationPlan, text, where=where)
        _PLANS.put(commit, self.plan_path, plan)
        return plan

    def objective_branch(self, task: str) -> str:
        return self.branches.objective(self.plan_id, task)

    def commit(
        self,
        old: str,
        plan: CoordinationPlan,
        message: str,
        *,
        files: Mapping[str, bytes | Stored | None] | None = None,
        tree_of: str | None = None,
        extra_parents: Sequence[str] = (),
    ) -> str | None:
        """Commit ``plan`` (and ``files``) on top of ``old``; None when the branch moved."""
        return self._publish(old, [old, *extra_parents], tree_of or old, plan, message, files)[0]

    def commit_creating(
        self, old: str, plan: CoordinationPlan, message: str, refs: Mapping[str, str]
    ) -> tuple[str | None, bool]:
        """:meth:`commit`, creating ``refs`` ({ref: commit}) in the same transaction when
        none of them exists yet; whether they were created with it."""
        return self._publish(old, [old], old, plan, message, None, refs)

    def create(
        self, base: str, plan: CoordinationPlan, message: str, files: Mapping[str, bytes]
    ) -> str | None:
        """The branch's first commit, on ``base``; None when the branch exists already."""
        return self._publish(None, [base], base, plan, message, files)[0]

    def _publish(
        self,
        expected: str | None,
        parents: Sequence[str],
        tree_of: str,
        plan: CoordinationPlan,
        message: str,
        files: Mapping[str, bytes | Stored | None] | None,
        refs: Mapping[str, str] | None = None,
    ) -> tuple[str | None, bool]:
        """One commit of ``plan`` (and ``files``) on ``tree_of``'s tree, published by moving
        the branch from ``expected`` (None: it must not exist yet), with ``refs`` created
        in the same transaction if none exists yet. The commit (None when the branch
        moved), and whether ``refs`` were created."""
        from ap.run.integrity import refuse_restart

        if expected is not None:
            self.verify(expected)  # (known good already, unless the caller skipped the check)
        else:
            refuse_restart(self, plan)
        self.require_movable()
        changes: dict[str, bytes | Stored | None] = dict(files or {})
        changes[self.plan_path] = render_plan(plan).encode()
        commit = self.git.commit_tree(self.git.tree_with(tree_of, changes), parents, message)
        from ap.run import faults

        faults.checkpoint("ledger.before_ref")
        moves = [(self.ref, commit, expected), *((r, c, None) for r, c in (refs or {}).items())]
        created = bool(refs) and self.git.update_refs(moves)
        if not created and not self.git.update_ref(self.ref, commit, expected):
            return None, False
        _PLANS.put(commit, self.plan_path, plan)
        self.trust.add([commit])  # ap's own commit, on a tip known to be ap's
        if expected is None:
            self.trust.pin(commit)
        return commit, created

    def accomplished(self, tip: str | None = None) -> str | None:
        """The accomplishment commit, unless an objective was retried after it."""
        tip = tip or self.tip()
        if tip is None:
            return None
        for commit, message in self.git.log_messages(tip):
            found = parse_trailers(message)
            if found.get("AP-Plan") != self.plan_id:
                continue
            if found.get("AP-Step") == "retry":
                return None
            if found.get("AP-Step") == "accomplish":
                return commit
        return None

    def find_step(self, step: str, *, wave: int | None = None) -> str | None:
        """The integration commit that recorded ``step`` (and ``wave``), if any."""
        tip = self.tip()
        if tip is None:
            return None
        for commit, message in self.git.log_messages(tip):
            found = parse_trailers(message)
            if found.get("AP-Plan") != self.plan_id or found.get("AP-Step") != step:
                continue
            if wave is None or found.get("AP-Wave") == str(wave):
                return commit
        return None


def _is_oid(rev: str) -> bool:
    return len(rev) in (40, 64) and all(c in "0123456789abcdef" for c in rev)


def tip_status(git: Git, plan_id: str, task: str, rev: str | None) -> str | None:
    """The ``AP-Status`` of ``rev`` (a branch or commit) when it is this objective's commit."""
    tip = git.rev_parse(rev) if rev else None
    if tip is None:
        return None
    return status_of(git.message(tip), plan_id, task)


def status_of(message: str, plan_id: str, task: str) -> str | None:
    """The ``AP-Status`` of a commit message when it is this objective's commit."""
    found = parse_trailers(message)
    if found.get("AP-Plan") != plan_id or found.get("AP-Task") != task:
        return None
    return found.get("AP-Status")


def tip_statuses(
    git: Git, plan_id: str, tips: Mapping[str, str | None], bases: Mapping[str, str | None]
) -> dict[str, str | None]:
    """``AP-Status`` of many objectives' tips (``{task: commit}``) with one git process.

    A tip still at its start commit (``bases``) has nothing submitted: no need to read it.
    """
    moved = {task: tip for task, tip in tips.items() if tip and tip != bases.get(task)}
    messages = git.messages(sorted(set(moved.values())))
    return {
        task: status_of(messages[tip], plan_id, task) if tip in messages else None
        for task, tip in ((t, moved.get(t)) for t in tips)
    }


def render_plan(plan: CoordinationPlan) -> str:
    return to_markdown(plan, template=KINDS["plan"].template)


def resolve_plan_id(git: Git, config: ApConfig, ref: str | None) -> str:
    """The plan PLAN names: id, unique id prefix, path, or (default) the one of this branch,
    else the latest plan, started or not (each read from its authoritative copy)."""
    from ap.state.artifacts import Artifacts

    if ref is None:
        parsed = Branches(config.branch_prefix).parse(git.current_branch())
        if parsed is not None:
            return parsed[0]
    found = Artifacts(git, config).find("plan", ref)
    if ref is not None and not found.started and (ref.endswith(".md") or "/" in ref):
        return _id_of(Path(ref))  # a file named otherwise names no plan
    return found.id


def _id_of(path: Path) -> str:
    prefix = KINDS["plan"].prefix
    name = path.name
    if name.startswith(prefix) and name.endswith(".md"):
        return name[len(prefix) : -len(".md")]
    raise ArtifactError(
        f"{path}: not a plan file (PLAN_<id>.md)",
        hint="give a plan id or its PLAN_<id>.md; `ap list` shows the plans",
    )


def update_plan(
    ledger: Ledger, change: Callable[[CoordinationPlan], bool], message: str, *, races: int = 5
) -> CoordinationPlan:
    """Apply ``change`` to the plan on the integration branch and commit it (if it changed).

    Re-read and re-applied when another process moved the branch in between.
    """
    for _ in range(races):
        tip = ledger.require_tip()
        ledger.verify(tip)
        plan = ledger.load(tip)
        if not change(plan):
            return plan
        if ledger.commit(tip, plan, message) is not None:
            return plan
    raise CheckFailed(f"the integration branch of {ledger.plan_id} keeps moving; try again")
