"""Which copy of an artifact is the artifact: the plan's integration branch, once started.

``ap plan`` writes the analysis and the plan into the working tree: drafts, which a
person may edit and ``ap validate``. ``ap start`` commits them on the plan's
integration branch ``ap/<id>/integration`` and removes from the working tree the
drafts it read, untouched and untracked, so that the branch merges into the checkout
(``git merge`` refuses to overwrite untracked files). From then on the branch is the
plan: ap records every status there, and every read takes that copy — of the plan, of
its analysis, of its accomplishment. A working-tree file of a started plan (a draft
edited after the start read it, or the copy a merge of the branch brought in) is read
only once the branch is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ap.core.config import ApConfig
from ap.core.errors import AmbiguousId, ArtifactError
from ap.core.ids import Branches
from ap.core.models import CoordinationPlan, Model
from ap.git import Git
from ap.state.store import (
    KINDS,
    Store,
    created_at_in,
    created_at_of,
    from_markdown,
    none_yet,
    read_artifact,
)


@dataclass(frozen=True)
class Copy:
    """One artifact as read: its text, and where (a path, or ``BRANCH:PATH``)."""

    kind: str
    id: str
    text: str
    where: str
    branch: str | None = None  # the integration branch it was read from, if any

    @property
    def started(self) -> bool:
        """Read from the plan's integration branch (the plan started)."""
        return self.branch is not None

    def describe(self, *, draft: bool = True) -> str:
        """Which copy this is, for people: ``BRANCH:PATH``, ``the draft PATH`` (a plan not
        started), or ``PATH in the working tree``."""
        if self.started:
            return self.where
        return f"the draft {self.where}" if draft else f"{self.where} in the working tree"

    def load(self) -> Model:
        return from_markdown(KINDS[self.kind].model, self.text, where=self.where)


class Artifacts:
    """The analyses, plans and accomplishments of a repository, each from its authoritative
    copy: its integration branch when there is one, else the working tree."""

    def __init__(self, git: Git, config: ApConfig) -> None:
        self.git = git
        self.store = Store(git.root, config.state_dir)
        self.branches = Branches(config.branch_prefix)
        self._started: dict[str, str] | None = None
        self._on_branches: dict[str, dict[str, str]] = {}

    # -- where things are ----------------------------------------------------

    def started(self) -> dict[str, str]:
        """``{plan id: integration tip}`` of every started plan."""
        if self._started is None:
            found = self.git.branches(f"{self.branches.prefix}*/integration")
            self._started = {
                parsed[0]: tip
                for name, tip in found.items()
                if (parsed := self.branches.parse(name)) is not None
            }
        return self._started

    def relpath(self, kind: str, artifact_id: str) -> str:
        return self.store.relpath(self.store.path_for(kind, artifact_id))

    def on_branches(self, kind: str) -> dict[str, str]:
        """``{id: text}`` of the artifacts of ``kind`` held by their plan's integration
        branch (read together, through one git process)."""
        if kind not in self._on_branches:
            started = sorted(self.started().items())
            names = [f"{tip}:{self.relpath(kind, i)}" for i, tip in started]
            found = self.git.read_objects(names)
            self._on_branches[kind] = {
                i: obj[2].decode("utf-8", errors="replace")
                for (i, _), obj in zip(started, found, strict=True)
                if obj is not None and obj[1] == "blob"
            }
        return self._on_branches[kind]

    def _on_branch(self, kind: str, artifact_id: str) -> str | None:
        """One artifact's text on its plan's integration branch (read alone unless every
        one of its kind was read already), or None."""
        if kind in self._on_branches:
            return self._on_branches[kind].get(artifact_id)
        tip = self.started().get(artifact_id)
        found = self.git.read_object(f"{tip}:{self.relpath(kind, artifact_id)}") if tip else None
        return found[2].decode("utf-8", errors="replace") if found and found[1] == "blob" else None

    def ids(self, kind: str) -> list[str]:
        return sorted(set(self.store.ids(kind)) | set(self.on_branches(kind)))

    # -- reading -------------------------------------------------------------

    def copy(self, kind: str, artifact_id: str) -> Copy:
        """The authoritative copy of one artifact (ArtifactError when there is none)."""
        text = self._on_branch(kind, artifact_id)
        if text is not None:
            branch = self.branches.integration(artifact_id)
            where = f"{branch}:{self.relpath(kind, artifact_id)}"
            return Copy(kind, artifact_id, text, where, branch)
        return self._file(kind, artifact_id, self.store.path_for(kind, artifact_id))

    def beside(self, plan: Copy, kind: str, artifact_id: str) -> Copy | None:
        """An artifact of the plan read from where the plan was (its analysis), or None."""
        if plan.branch is not None:
            text = self.git.show_file(plan.branch, self.relpath(kind, artifact_id))
            if text is None:
                return None
            where = f"{plan.branch}:{self.relpath(kind, artifact_id)}"
            return Copy(kind, artifact_id, text, where, plan.branch)
        path = self.store.path_for(kind, artifact_id)
        return self._file(kind, artifact_id, path) if path.is_file() else None

    def find(self, kind: str, ref: str | None = None) -> Copy:
        """The artifact named by an id, a unique id prefix, a path, or (default) the latest."""
        if ref is None or ref == "latest":
            return self._latest(kind)
        if ref.endswith(".md") or "/" in ref:
            return self._by_path(kind, ref)
        ref = ref.removeprefix(KINDS[kind].prefix)
        if self._on_branch(kind, ref) is not None or self.store.path_for(kind, ref).is_file():
            return self.copy(kind, ref)  # a whole id: nothing else to read
        ids = self.ids(kind)
        matches = [i for i in ids if i.startswith(ref)]
        if len(matches) == 1:
            return self.copy(kind, matches[0])
        if matches:
            raise AmbiguousId(
                f"{kind} id prefix {ref!r} is ambiguous: {', '.join(matches[:5])}",
                hint="give more of the id",
            )
        raise ArtifactError(f"no {kind} {ref!r} in {self.store.state_dir}/", hint="run `ap list`")

    def load(self, kind: str, ref: str | None = None) -> tuple[Copy, Model]:
        found = self.find(kind, ref)
        return found, found.load()

    def plan(self, ref: str | None = None) -> tuple[Copy, CoordinationPlan]:
        """The plan ``ref`` names (see :meth:`find`), and the copy it was read from."""
        found = self.find("plan", ref)
        plan = found.load()
        assert isinstance(plan, CoordinationPlan)
        return found, plan

    def every(self, kind: str) -> list[tuple[Copy, Model]]:
        """Every artifact of ``kind`` with the copy it was read from, oldest first."""
        items = [(c, c.load()) for c in (self.copy(kind, i) for i in self.ids(kind))]
        return sorted(items, key=lambda item: (created_at_of(item[1]), item[0].id))

    def all(self, kind: str) -> list[Model]:
        """Every artifact of ``kind``, oldest first."""
        return [artifact for _, artifact in self.every(kind)]

    def note(self, copy: Copy) -> str | None:
        """What a person should know about the copy ap read: that a working-tree file of a
        started plan is not read (a draft edited after the start, put back…; unless it is
        tracked: a merge of the branch brings it in), or that the file they named is not
        the plan any more."""
        relpath = self.relpath(copy.kind, copy.id)
        if copy.started:
            if not (self.git.root / relpath).is_file() or relpath in self.git.ls_files():
                return None
            return (
                f"{relpath} in the working tree is not read: {copy.id} has started, "
                f"and {copy.where} is the {copy.kind}"
            )
        on_branch = self._on_branch(copy.kind, copy.id)
        if on_branch is None or on_branch == copy.text:
            return None
        branch = self.branches.integration(copy.id)
        return (
            f"{copy.where} is not the {copy.kind}: {copy.id} has started, and {branch}:{relpath} is"
        )

    # -- helpers -------------------------------------------------------------

    def _file(self, kind: str, artifact_id: str, path: Path) -> Copy:
        where = self._display(path)
        text, _ = read_artifact(path, where)
        return Copy(kind, artifact_id, text, where)

    def _by_path(self, kind: str, ref: str) -> Copy:
        path = Path(ref) if Path(ref).is_absolute() else Path.cwd() / ref
        prefix = KINDS[kind].prefix
        name = path.name
        artifact_id = name[len(prefix) : -len(".md")] if name.startswith(prefix) else path.stem
        if path.is_file():
            return self._file(kind, artifact_id, path)
        # the draft start took away: the copy on the plan's branch
        canonical = self.store.path_for(kind, artifact_id)
        if _same(path, canonical) and artifact_id in self.on_branches(kind):
            return self.copy(kind, artifact_id)
        raise ArtifactError(f"{ref}: no such file", hint="run `ap list`")

    def _latest(self, kind: str) -> Copy:
        ids = self.ids(kind)
        if not ids:
            raise none_yet(kind, self.store.state_dir)
        copies = {i: self.copy(kind, i) for i in ids}
        return copies[max(ids, key=lambda i: (self._created_at(copies[i]), i))]

    @staticmethod
    def _created_at(copy: Copy) -> datetime:
        found = created_at_in(copy.text)
        return found if found is not None else created_at_of(copy.load())

    def _display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.git.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def retire_drafts(git: Git, read: Mapping[str, bytes]) -> list[str]:
    """Remove the drafts ``ap start`` committed from the working tree: each file of ``read``
    (``{path from the root: content start read}``) that is untracked and still holds what
    was read. Never a tracked file, never one changed since. The paths removed."""
    tracked = set(git.ls_files())
    removed = []
    for relpath, content in sorted(read.items()):
        path = git.root / relpath
        if relpath in tracked or path.is_symlink() or not path.is_file():
            continue
        try:
            if path.read_bytes() != content:
                continue
            path.unlink()
        except OSError:
            continue  # (a draft left behind is only in the way of a merge)
        removed.append(relpath)
    return removed
