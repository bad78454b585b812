"""Read-only views of the artifacts under docs/: ``ap show`` and ``ap list``."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from ap.core.config import load_config
from ap.core.errors import AmbiguousId, ArtifactError
from ap.core.models import AccomplishmentReport, AnalysisReport, CoordinationPlan, Model
from ap.core.render import render
from ap.git import Git
from ap.state.artifacts import Artifacts, Copy
from ap.state.digests import Digests, Extract
from ap.state.store import KINDS, created_at_of

SHOW_ORDER = ("plan", "analysis", "accomplishment")


def _kind_of_path(name: str) -> str | None:
    return next((k for k, v in KINDS.items() if name.startswith(v.prefix)), None)


def find_artifact(git: Git, ref: str | None, kind: str | None) -> tuple[str, Model]:
    """The artifact REF names: by path, by id or prefix (plans first), or the latest plan;
    each from its authoritative copy (a started plan's integration branch)."""
    artifacts = Artifacts(git, load_config(git.root))
    if ref is not None and (ref.endswith(".md") or "/" in ref):
        path_kind = kind or _kind_of_path(Path(ref).name)
        if path_kind is None:
            raise ArtifactError(
                f"{ref}: not an AP artifact file",
                hint="expected ANALYSIS_*.md, PLAN_*.md or ACCOMPLISHMENT_*.md",
            )
        return path_kind, artifacts.load(path_kind, ref)[1]
    kinds = [kind] if kind else list(SHOW_ORDER)
    if ref is None:
        kinds = kinds[:1]
    last: ArtifactError | None = None
    for candidate in kinds:
        try:
            return candidate, artifacts.load(candidate, ref)[1]
        except AmbiguousId:
            raise
        except ArtifactError as exc:
            last = exc
    assert last is not None
    raise last


def render_markdown(kind: str, artifact: Model) -> str:
    """The readable markdown of an artifact, rendered from its canonical data."""
    return render(KINDS[kind].template, a=artifact)


def _plan_row(plan: Model) -> dict[str, Any]:
    assert isinstance(plan, CoordinationPlan)
    counts = Counter(o.status.value for o in plan.objectives)
    return {
        "id": plan.id,
        "status": plan.status.value,
        "objectives": len(plan.objectives),
        "waves": len(plan.waves),
        "statuses": dict(sorted(counts.items())),
        "request": plan.request,
        "created_at": created_at_of(plan).isoformat(),
    }


def _analysis_row(analysis: Model) -> dict[str, Any]:
    assert isinstance(analysis, AnalysisReport)
    return {
        "id": analysis.id,
        "task_type": analysis.task_type.value,
        "request": analysis.request,
        "created_at": created_at_of(analysis).isoformat(),
    }


def _accomplishment_row(acc: Model) -> dict[str, Any]:
    assert isinstance(acc, AccomplishmentReport)
    return {
        "id": acc.id,
        "plan_id": acc.plan_id,
        "summary": acc.summary,
        "created_at": created_at_of(acc).isoformat(),
    }


def _rows(artifacts: Artifacts, kind: str, extract: Extract) -> list[tuple[Copy, dict[str, Any]]]:
    """Each artifact of ``kind`` with its row, oldest first; only an artifact not listed
    before in this form is read whole (ap/state/digests.py)."""
    digests = Digests(artifacts.git.git_dir() / "ap" / "cache", f"list-{kind}", extract)
    rows = [
        (copy, dict(digests.of(kind, copy.text, where=copy.where)))
        for copy in (artifacts.copy(kind, i) for i in artifacts.ids(kind))
    ]
    digests.save()
    rows.sort(key=lambda row: (datetime.fromisoformat(row[1]["created_at"]), row[0].id))
    for _, row in rows:
        del row["created_at"]
    return rows


def listing(git: Git) -> dict[str, list[dict[str, Any]]]:
    """Every analysis, plan and accomplishment, oldest first, each from its authoritative
    copy (so a started plan shows its live statuses)."""
    artifacts = Artifacts(git, load_config(git.root))
    plans = [{**row, "read_from": copy.where} for copy, row in _rows(artifacts, "plan", _plan_row)]
    return {
        "analyses": [row for _, row in _rows(artifacts, "analysis", _analysis_row)],
        "plans": plans,
        "accomplishments": [
            row for _, row in _rows(artifacts, "accomplishment", _accomplishment_row)
        ],
    }


def _first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def listing_text(data: dict[str, list[dict[str, Any]]]) -> str:
    """``ap list`` for people."""
    lines: list[str] = []
    for title, rows in (("Plans", data["plans"]), ("Analyses", data["analyses"])):
        lines.append(f"{title}:")
        for row in rows:
            extra = (
                f"{row['status']:<9} {row['objectives']} objectives, {row['waves']} waves"
                if "status" in row
                else f"{row['task_type']:<9}"
            )
            lines.append(f"  {row['id']}  {extra}  {_first_line(row['request'])}")
        if not rows:
            lines.append("  (none)")
    lines.append("Accomplishments:")
    lines.extend(f"  {row['id']}  {_first_line(row['summary'])}" for row in data["accomplishments"])
    if not data["accomplishments"]:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"
