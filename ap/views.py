"""Read-only views of the artifacts under docs/: ``ap show`` and ``ap list``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ap.config import load_config
from ap.errors import AmbiguousId, ArtifactError
from ap.models import CoordinationPlan, Model
from ap.render import render
from ap.store import KINDS, Store

SHOW_ORDER = ("plan", "analysis", "accomplishment")


def _kind_of_path(name: str) -> str | None:
    return next((k for k, v in KINDS.items() if name.startswith(v.prefix)), None)


def find_artifact(root: Path, ref: str | None, kind: str | None) -> tuple[str, Model]:
    """The artifact REF names: by path, by id or prefix (plans first), or the latest plan."""
    store = Store(root, load_config(root).state_dir)
    if ref is not None and (ref.endswith(".md") or "/" in ref):
        path_kind = kind or _kind_of_path(Path(ref).name)
        if path_kind is None:
            raise ArtifactError(
                f"{ref}: not an AP artifact file",
                hint="expected ANALYSIS_*.md, PLAN_*.md or ACCOMPLISHMENT_*.md",
            )
        return path_kind, store.load(path_kind, ref)
    kinds = [kind] if kind else list(SHOW_ORDER)
    if ref is None:
        kinds = kinds[:1]
    last: ArtifactError | None = None
    for candidate in kinds:
        try:
            return candidate, store.load(candidate, ref)
        except AmbiguousId:
            raise
        except ArtifactError as exc:
            last = exc
    assert last is not None
    raise last


def render_markdown(kind: str, artifact: Model) -> str:
    """The readable markdown of an artifact, rendered from its canonical data."""
    return render(KINDS[kind].template, a=artifact)


def _plan_row(plan: CoordinationPlan) -> dict[str, Any]:
    counts = Counter(o.status.value for o in plan.objectives)
    return {
        "id": plan.id,
        "status": plan.status.value,
        "objectives": len(plan.objectives),
        "waves": len(plan.waves),
        "statuses": dict(sorted(counts.items())),
        "request": plan.request,
    }


def listing(root: Path) -> dict[str, list[dict[str, Any]]]:
    """Every analysis, plan and accomplishment, oldest first."""
    store = Store(root, load_config(root).state_dir)
    result: dict[str, list[dict[str, Any]]] = {"analyses": [], "plans": [], "accomplishments": []}
    for artifact in store.all("analysis"):
        result["analyses"].append(
            {"id": artifact.id, "task_type": artifact.task_type.value, "request": artifact.request}  # type: ignore[attr-defined]
        )
    for plan in store.all("plan"):
        assert isinstance(plan, CoordinationPlan)
        result["plans"].append(_plan_row(plan))
    for acc in store.all("accomplishment"):
        result["accomplishments"].append(
            {"id": acc.id, "plan_id": acc.plan_id, "summary": acc.summary}  # type: ignore[attr-defined]
        )
    return result


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
