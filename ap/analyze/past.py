"""Past plans, as the analyst learns from them: a small digest of each, read from git.

A plan's digest comes from its Accomplishment Report and its Coordination Plan:
the request, the summary, the files its objectives changed (or, unfinished, their
scopes), what failed and why, its contracts and scope grants, its known issues.
They are read from HEAD's tree and from every ``<prefix><plan>/integration``
branch (a plan not merged yet, or still running, counts too); one digest per plan
id, the newest copy winning. Digests are cached under the git directory by blob
id, so ``ap plan`` parses only the artifacts it has not seen: with hundreds of
past plans a warm run reads two trees and a few small blobs. Every text is data
(from issues and workers): cleaned and cut to a bound here, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ap.analyze.pastcache import Digest, PastCache
from ap.core.errors import ArtifactError
from ap.core.ids import Branches
from ap.core.text import clean_text
from ap.git import Git

MAX_FILES = 200  # per plan: a sweeping plan says little about any one file
MAX_ITEMS = 20  # objectives' failures, contracts, grants, known issues kept per plan


@dataclass
class PastObjective:
    id: str
    title: str
    status: str
    reason: str = ""
    scope: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class PastPlan:
    """What one past plan teaches: read from its report and plan (see the module doc)."""

    plan_id: str
    request: str
    status: str
    created_at: str
    where: str
    summary: str = ""
    objectives: list[PastObjective] = field(default_factory=list)
    contracts: list[dict[str, str]] = field(default_factory=list)
    grants: list[dict[str, str]] = field(default_factory=list)
    known_issues: list[dict[str, str]] = field(default_factory=list)
    detailed: bool = False  # its plan's scopes, contracts and grants are in (PastPlans.detail)

    def files(self) -> list[str]:
        """The files its objectives changed (merged ones), in order, without repeats."""
        seen = dict.fromkeys(f for o in self.objectives for f in o.files)
        return list(seen)[:MAX_FILES]

    def scopes(self) -> list[str]:
        """The scope patterns of its objectives and its grants."""
        found = [p for o in self.objectives for p in o.scope]
        return list(dict.fromkeys([*found, *(g["pattern"] for g in self.grants)]))


def text(value: object, limit: int) -> str:
    """Untrusted text made safe and short: cleaned (ap/core/text.py), one line, at most
    ``limit``."""
    if not isinstance(value, str):
        return ""
    flat = " ".join(clean_text(value).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _paths(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [text(p, 300) for p in value[:MAX_FILES] if isinstance(p, str) and p]


def _mappings(value: object) -> list[dict[str, Any]]:
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _objective(raw: dict[str, Any], *, files: str, reason: str) -> dict[str, Any]:
    return {
        "id": text(raw.get("id"), 40),
        "title": text(raw.get("title"), 120),
        "status": text(raw.get("status"), 20),
        "reason": text(raw.get(reason), 300),
        files: _paths(raw.get(files)),
    }


def digest_of(kind: str, data: dict[str, Any]) -> Digest:
    """The part of an artifact's front matter the analyst uses, bounded and cleaned."""
    common = {
        "kind": kind,
        "request": text(data.get("request"), 500),
        "created_at": text(str(data.get("created_at") or ""), 40),
    }
    if kind == "accomplishment":
        issues = [
            {"objective": text(i.get("objective"), 40), "text": text(i.get("text"), 300)}
            for i in _mappings(data.get("known_issues"))[:MAX_ITEMS]
        ]
        return {
            **common,
            "id": text(data.get("plan_id") or data.get("id"), 80),
            "summary": text(data.get("summary"), 400),
            "objectives": [
                _objective(o, files="files", reason="reason")
                for o in _mappings(data.get("objectives"))
            ],
            "known_issues": [i for i in issues if i["text"]],
        }
    return {
        **common,
        "id": text(data.get("id"), 80),
        "status": text(data.get("status"), 20),
        "objectives": [
            _objective(o, files="scope_touch", reason="status_reason")
            for o in _mappings(data.get("objectives"))
        ],
        "contracts": [
            {
                "provider": text(c.get("provider"), 40),
                "consumer": text(c.get("consumer"), 40),
                "description": text(c.get("description"), 300),
                "symbol": text(c.get("symbol"), 200),
            }
            for c in _mappings(data.get("integration_contracts"))[:MAX_ITEMS]
        ],
        "grants": [
            {
                "task": text(g.get("task"), 40),
                "pattern": text(g.get("pattern"), 300),
                "why": text(g.get("why"), 300),
            }
            for g in _mappings(data.get("grants"))[:MAX_ITEMS]
            if isinstance(g.get("pattern"), str)
        ],
    }


def _parse(kind: str, blob: bytes, where: str) -> Digest | None:
    from ap.core.frontmatter import load_front_matter

    try:
        data = load_front_matter(blob.decode("utf-8", errors="replace"), where=where)
    except ArtifactError:
        return None  # a damaged artifact teaches nothing; `ap validate` names it
    return digest_of(kind, data)


def _listing(git: Git, cache: PastCache, tree: str) -> dict[str, str]:
    """``{file name: blob id}`` of one folder's tree."""
    cache.used_trees.add(tree)
    if tree not in cache.trees:
        cache.trees[tree] = [[name, oid] for _, oid, name in git.ls_tree(tree) if "/" not in name]
        cache.dirty = True
    return {name: oid for name, oid in cache.trees[tree]}


def _digests(git: Git, cache: PastCache, wanted: dict[str, tuple[str, str]]) -> dict[str, Digest]:
    """The digest of each blob in ``wanted`` (``{blob: (kind, where)}``), parsing the new."""
    missing = [oid for oid in wanted if oid not in cache.digests]
    if missing:
        blobs = git.read_blobs(missing)
        for oid in missing:
            kind, where = wanted[oid]
            cache.digests[oid] = _parse(kind, blobs.get(oid, b""), where)
        cache.dirty = True
    return {oid: d for oid in wanted if (d := cache.digests.get(oid)) is not None}


@dataclass
class _Copies:
    """Where each plan's report and plan were found: ``{plan id: (blob, where)}``."""

    reports: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    plans: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, kind: str, plan_id: str, blob: str, where: str) -> None:
        """Record one copy found (a report or a plan of ``plan_id``) and where."""
        found = self.reports if kind == "accomplishment" else self.plans
        found.setdefault(plan_id, []).append((blob, where))

    def blobs(self) -> set[str]:
        found = [*self.reports.values(), *self.plans.values()]
        return {blob for copies in found for blob, _ in copies}


def _folder_copies(git: Git, cache: PastCache, copies: _Copies, state_dir: str) -> None:
    """The reports and plans in HEAD's tree."""
    folders = {"accomplishment": "accomplishments", "plan": "plans"}
    prefixes = {"accomplishment": "ACCOMPLISHMENT_", "plan": "PLAN_"}
    names = [f"HEAD:{state_dir}/{folder}" for folder in folders.values()]
    for kind, found in zip(folders, git.read_objects(names), strict=True):
        if found is None or found[1] != "tree":
            continue
        for name, blob in _listing(git, cache, found[0]).items():
            if name.startswith(prefixes[kind]) and name.endswith(".md"):
                copies.add(kind, name[len(prefixes[kind]) : -len(".md")], blob, "HEAD")


def _branch_copies(git: Git, copies: _Copies, state_dir: str, prefix: str) -> None:
    """Each started plan's own report and plan, on its integration branch."""
    branches = Branches(prefix)
    started = sorted(
        (parsed[0], name)
        for name in git.branches(f"{prefix}*/integration")
        if (parsed := branches.parse(name)) is not None
    )
    names = [
        f"refs/heads/{branch}:{state_dir}/{path}"
        for plan_id, branch in started
        for path in (f"accomplishments/ACCOMPLISHMENT_{plan_id}.md", f"plans/PLAN_{plan_id}.md")
    ]
    found = git.read_objects(names)
    for n, (plan_id, branch) in enumerate(started):
        for kind, obj in zip(("accomplishment", "plan"), found[2 * n : 2 * n + 2], strict=True):
            if obj is not None and obj[1] == "blob":
                copies.add(kind, plan_id, obj[0], branch)


def _newest(found: list[tuple[str, str]], digests: dict[str, Digest]) -> tuple[Digest, str] | None:
    """The newest copy (by ``created_at``; a branch's over HEAD's when alike)."""
    usable = [(digests[blob], where) for blob, where in found if blob in digests]
    if not usable:
        return None
    return max(usable, key=lambda c: (c[0]["created_at"], c[1] != "HEAD"))


def _plan_copy(found: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The plan as its integration branch holds it (live statuses), else as HEAD does."""
    ordered = sorted(found, key=lambda c: c[1] == "HEAD")
    return ordered[0] if ordered else None


def _status(report: Digest | None, plan: Digest | None) -> str:
    if report is None:
        return str(plan["status"]) if plan else "planned"
    states = {o["status"] for o in report["objectives"]}
    return "accomplished" if states <= {"merged"} else "partial"


def _combine(plan_id: str, data: Digest, where: str, *, from_report: bool) -> PastPlan:
    """One plan's digest from its newest report, or (unfinished) from its plan."""
    objectives = [
        PastObjective(
            id=o["id"],
            title=o["title"],
            status=o["status"],
            reason=o["reason"],
            scope=o.get("scope_touch", []),
            files=o.get("files", []),
        )
        for o in data["objectives"]
    ]
    past = PastPlan(
        plan_id=plan_id,
        request=data["request"],
        status=_status(data if from_report else None, None if from_report else data),
        created_at=data["created_at"],
        where=where,
        summary=data.get("summary", ""),
        objectives=objectives,
        known_issues=data.get("known_issues", []),
    )
    if not from_report:
        _detail(past, data)
    return past


def _detail(past: PastPlan, plan: Digest) -> None:
    """Add what only the plan holds: its objectives' scopes, its contracts and grants."""
    scopes = {o["id"]: o.get("scope_touch", []) for o in plan["objectives"]}
    for objective in past.objectives:
        objective.scope = scopes.get(objective.id, objective.scope)
    past.contracts = plan["contracts"]
    past.grants = plan["grants"]
    past.detailed = True


class PastPlans:
    """The past plans of a repository, read in two steps so a cold run parses what it uses:
    :meth:`load` reads the reports (and the plans of unfinished plans), :meth:`detail`
    the plans of the few an analysis cites; :meth:`save` keeps the digests for next time."""

    def __init__(self, git: Git, *, state_dir: str, branch_prefix: str) -> None:
        self.git = git
        self.state_dir = state_dir
        self.branch_prefix = branch_prefix
        self.cache = PastCache(git)
        self._plan_copies: dict[str, tuple[str, str]] = {}

    def load(self) -> list[PastPlan]:
        """Every past plan with a report (on HEAD or its branch), or started and
        unfinished; one per plan id, newest first."""
        if self.git.rev_parse("HEAD") is None:
            return []
        copies = _Copies()
        _folder_copies(self.git, self.cache, copies, self.state_dir)
        _branch_copies(self.git, copies, self.state_dir, self.branch_prefix)
        self.cache.used |= copies.blobs()
        wanted = {
            blob: ("accomplishment", f"{where} report {plan_id}")
            for plan_id, found in copies.reports.items()
            for blob, where in found
        }
        reports = _digests(self.git, self.cache, wanted)
        plans = []
        for plan_id, found in copies.plans.items():
            chosen = _plan_copy(found)
            if chosen is not None:
                self._plan_copies[plan_id] = chosen
        for plan_id in sorted(copies.reports):
            newest = _newest(copies.reports[plan_id], reports)
            if newest is not None:
                plans.append(_combine(plan_id, *newest, from_report=True))
        reported = {p.plan_id for p in plans}
        unfinished = {
            plan_id: (blob, where)
            for plan_id, (blob, where) in self._plan_copies.items()
            if plan_id not in reported and where != "HEAD"
        }
        wanted = {blob: ("plan", f"{where} plan {i}") for i, (blob, where) in unfinished.items()}
        found_plans = _digests(self.git, self.cache, wanted)
        for plan_id, (blob, where) in sorted(unfinished.items()):
            if blob in found_plans:
                plans.append(_combine(plan_id, found_plans[blob], where, from_report=False))
        return sorted(plans, key=lambda p: (p.created_at, p.plan_id), reverse=True)

    def detail(self, plans: Iterable[PastPlan]) -> None:
        """Add to each reported plan what only its Coordination Plan holds (see _detail)."""
        todo = [
            (p, self._plan_copies[p.plan_id])
            for p in plans
            if p.plan_id in self._plan_copies and not p.detailed
        ]
        wanted = {blob: ("plan", f"{where} plan {p.plan_id}") for p, (blob, where) in todo}
        found = _digests(self.git, self.cache, wanted)
        for past, (blob, _) in todo:
            if blob in found:
                _detail(past, found[blob])

    def save(self) -> None:
        self.cache.save()


def load_past_plans(git: Git, *, state_dir: str, branch_prefix: str) -> list[PastPlan]:
    """:meth:`PastPlans.load` with every plan detailed (and the cache saved)."""
    reader = PastPlans(git, state_dir=state_dir, branch_prefix=branch_prefix)
    plans = reader.load()
    reader.detail(plans)
    reader.save()
    return plans
