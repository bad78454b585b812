"""docs/ ⇄ models: markdown files whose YAML front matter is the canonical data.

The body below the front matter is rendered from the front matter by a jinja2
template for people to read; loading ignores it, so a saved artifact loads back
equal. Writes are atomic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TypeVar, cast

from ap.core import yamlio
from ap.core.errors import AmbiguousId, ArtifactError
from ap.core.frontmatter import FIX_HINT, split_front_matter
from ap.core.frontmatter import FRONT as _FRONT
from ap.core.fsutil import atomic_write
from ap.core.ids import report_relpath
from ap.core.models import (
    AccomplishmentReport,
    AnalysisReport,
    CoordinationPlan,
    Model,
    WorkerReport,
)
from ap.core.render import render

A = TypeVar("A", bound=Model)


@dataclass(frozen=True)
class Kind:
    """One kind of artifact: where it lives and how it is named."""

    name: str
    model: type[Model]
    folder: str
    prefix: str
    template: str


KINDS: dict[str, Kind] = {
    "analysis": Kind("analysis", AnalysisReport, "analyses", "ANALYSIS_", "analysis.md.j2"),
    "plan": Kind("plan", CoordinationPlan, "plans", "PLAN_", "plan.md.j2"),
    "accomplishment": Kind(
        "accomplishment",
        AccomplishmentReport,
        "accomplishments",
        "ACCOMPLISHMENT_",
        "accomplishment.md.j2",
    ),
}
SESSION_TEMPLATE = "session.md.j2"
_KIND_OF_MODEL: dict[type[Model], str] = {k.model: k.name for k in KINDS.values()}


def slugify(text: str, *, max_len: int = 40) -> str:
    """A lowercase ASCII slug of ``text``: words joined by ``-``, at most ``max_len`` long."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower()):
        candidate = f"{slug}-{word}" if slug else word[:max_len]
        if len(candidate) > max_len:
            break
        slug = candidate
    return slug or "request"


# ``created_at: '2026-11-25T10:00:00Z'``, a top-level key as :func:`to_markdown` writes it.
_CREATED_AT = re.compile(r"^created_at: '?([0-9][0-9T:.+\- Z]*)'?[ \t]*$", re.MULTILINE)


def _aware(moment: datetime) -> datetime:
    """Naive times (a hand-edited file) read as UTC, so that every time compares."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def created_at_in(text: str) -> datetime | None:
    """An artifact's ``created_at``, read off its front matter line as ap writes it (cheap:
    nothing else is parsed); None when the file has it in another form."""
    try:
        front, _ = split_front_matter(text, where="")
    except ArtifactError:
        return None
    found = _CREATED_AT.findall(front)
    if len(found) != 1:
        return None
    try:
        return _aware(datetime.fromisoformat(found[0]))
    except ValueError:
        return None


def created_at_of(artifact: Model) -> datetime:
    """The ``created_at`` of a loaded artifact, comparable with every other."""
    return _aware(artifact.created_at)  # type: ignore[attr-defined]


def to_markdown(artifact: Model, *, template: str) -> str:
    """The file text of ``artifact``: YAML front matter, then the rendered body."""
    front = yamlio.dump(artifact.model_dump(mode="json"))
    body = render(template, a=artifact)
    return f"{_FRONT}{front}{_FRONT}\n{body}"


def from_markdown(model: type[A], text: str, *, where: str) -> A:
    """Parse an artifact file's text; errors name the file, line and field."""
    front, offset = split_front_matter(text, where=where)
    data = yamlio.parse(front, where=where, error=ArtifactError, line_offset=offset, hint=FIX_HINT)
    return yamlio.validate(
        model,
        data,
        text=front,
        where=where,
        error=ArtifactError,
        line_offset=offset,
        hint=FIX_HINT,
    )


def read_artifact(path: Path, where: str) -> tuple[str, bytes]:
    """An artifact file's text and bytes, or an ArtifactError saying how to mend it."""
    try:
        data = path.read_bytes()
        return data.decode("utf-8"), data
    except FileNotFoundError:
        raise ArtifactError(f"{where}: no such file", hint="run `ap list`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(
            f"{where}: cannot read: {exc}",
            hint="make it a readable UTF-8 file again (`git restore PATH` if it is tracked)",
        ) from None


def none_yet(kind: str, state_dir: str) -> ArtifactError:
    """The error for a kind of artifact of which there is none yet, with how to make one."""
    hint = "run `ap accomplish`" if kind == "accomplishment" else "create one with `ap plan`"
    return ArtifactError(f"there is no {kind} in {state_dir}/ yet", hint=hint)


class Store:
    """The AP state folder of one repository (``docs/`` unless ap.yaml says otherwise)."""

    def __init__(self, root: Path, state_dir: str = "docs") -> None:
        self.root = Path(root)
        self.state_dir = state_dir

    # -- paths -----------------------------------------------------------

    def folder(self, kind: str) -> Path:
        return self.root / self.state_dir / KINDS[kind].folder

    def path_for(self, kind: str, artifact_id: str) -> Path:
        return self.folder(kind) / f"{KINDS[kind].prefix}{artifact_id}.md"

    def relpath(self, path: Path) -> str:
        """``path`` relative to the repository root, with ``/``."""
        return path.relative_to(self.root).as_posix()

    def session_relpath(self, plan_id: str, task_id: str) -> str:
        """Where an objective's worker report lives, relative to the repository root."""
        return report_relpath(self.state_dir, plan_id, task_id)

    def ids(self, kind: str) -> list[str]:
        prefix = KINDS[kind].prefix
        folder = self.folder(kind)
        if not folder.is_dir():
            return []
        return sorted(
            p.name[len(prefix) : -len(".md")] for p in folder.glob(f"{prefix}*.md") if p.is_file()
        )

    # -- ids -------------------------------------------------------------

    def new_id(
        self,
        request: str,
        *,
        today: date | None = None,
        taken: Callable[[str], bool] | None = None,
    ) -> str:
        """A readable id, unique among every kind of artifact: ``YYYYMMDD-slug[-N]``."""
        day = (today or datetime.now(timezone.utc).date()).strftime("%Y%m%d")
        base = f"{day}-{slugify(request)}"
        existing = {i for kind in KINDS for i in self.ids(kind)}
        candidate, n = base, 1
        while candidate in existing or (taken is not None and taken(candidate)):
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    # -- saving and loading ---------------------------------------------

    def save(self, artifact: Model) -> Path:
        """Write an analysis, plan or accomplishment to its file (atomically)."""
        kind = _KIND_OF_MODEL.get(type(artifact))
        if kind is None:
            raise TypeError(f"not a stored artifact: {type(artifact).__name__}")
        artifact_id = cast(str, artifact.id)  # type: ignore[attr-defined]
        path = self.path_for(kind, artifact_id)
        atomic_write(path, to_markdown(artifact, template=KINDS[kind].template))
        return path

    def save_session(self, report: WorkerReport) -> Path:
        path = self.root / self.session_relpath(report.plan_id, report.task_id)
        atomic_write(path, to_markdown(report, template=SESSION_TEMPLATE))
        return path

    def load_path(self, model: type[A], path: Path) -> A:
        where = self._display(path)
        text, _ = read_artifact(path, where)
        return from_markdown(model, text, where=where)

    def load(self, kind: str, ref: str | None = None) -> Model:
        """Load the artifact of ``kind`` named by ``ref`` (see :meth:`find`)."""
        return self.load_path(KINDS[kind].model, self.find(kind, ref))

    def load_plan(self, ref: str | None = None) -> CoordinationPlan:
        return self.load_path(CoordinationPlan, self.find("plan", ref))

    def read_draft(self, plan_id: str) -> tuple[CoordinationPlan, dict[str, bytes]]:
        """The plan in the working tree (the draft ``ap start`` commits), and the files read
        for it, ``{path from the root: content as read}``."""
        path = self.path_for("plan", plan_id)
        where = self._display(path)
        text, data = read_artifact(path, where)
        return from_markdown(CoordinationPlan, text, where=where), {self.relpath(path): data}

    def load_analysis(self, ref: str | None = None) -> AnalysisReport:
        return self.load_path(AnalysisReport, self.find("analysis", ref))

    def load_accomplishment(self, ref: str | None = None) -> AccomplishmentReport:
        return self.load_path(AccomplishmentReport, self.find("accomplishment", ref))

    def all(self, kind: str) -> list[Model]:
        """Every artifact of ``kind``, oldest first."""
        model = KINDS[kind].model
        items = [self.load_path(model, self.path_for(kind, i)) for i in self.ids(kind)]
        return sorted(items, key=lambda a: (_aware(a.created_at), a.id))  # type: ignore[attr-defined]

    # -- finding ---------------------------------------------------------

    def find(self, kind: str, ref: str | None = None) -> Path:
        """The file of the artifact named by an id, a unique id prefix, a path, or the latest."""
        if ref is None or ref == "latest":
            return self._latest(kind)
        as_path = Path(ref)
        if ref.endswith(".md") or "/" in ref:
            path = as_path if as_path.is_absolute() else Path.cwd() / as_path
            if path.is_file():
                return path
            raise ArtifactError(f"{ref}: no such file", hint="run `ap list`")
        ref = ref.removeprefix(KINDS[kind].prefix)
        ids = self.ids(kind)
        if ref in ids:
            return self.path_for(kind, ref)
        matches = [i for i in ids if i.startswith(ref)]
        if len(matches) == 1:
            return self.path_for(kind, matches[0])
        if matches:
            listed = ", ".join(matches[:5])
            raise AmbiguousId(
                f"{kind} id prefix {ref!r} is ambiguous: {listed}",
                hint="give more of the id",
            )
        raise ArtifactError(f"no {kind} {ref!r} in {self.state_dir}/", hint="run `ap list`")

    def _latest(self, kind: str) -> Path:
        """The newest artifact (by ``created_at``, then id), reading only that field of each."""
        ids = self.ids(kind)
        if not ids:
            raise none_yet(kind, self.state_dir)
        return self.path_for(kind, max(ids, key=lambda i: (self._created_at(kind, i), i)))

    def _created_at(self, kind: str, artifact_id: str) -> datetime:
        """An artifact's ``created_at``: read off its front matter line as ap writes it, or
        (when hand-edited into another form) from the whole validated artifact."""
        path = self.path_for(kind, artifact_id)
        try:
            found = created_at_in(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            found = None  # the full load below reports what is wrong, naming the file
        if found is not None:
            return found
        return created_at_of(self.load_path(KINDS[kind].model, path))

    def _display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
