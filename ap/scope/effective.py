"""An objective's effective scope, computed in one place (docs/DESIGN.md §3, §6).

What an objective may touch is its scope_touch and what the owner granted it while
it ran; what it may not is the global forbid, what the plan records for it alone,
and the touch (and grants) of every other objective of its wave. The plan file
stores the global forbid once and, per objective, only its own part, so it grows
linearly with the objectives; the rest is derived here from the plan's plain data
(its front matter, as the hook reads it from the integration branch, or the model
dumped as JSON) and read by the prompt, the plan as JSON, the hook and the merge
check alike. Plans written before stored the whole list per objective; read here,
it is the objective's own part and nothing is lost.

Plain data only (no pydantic): the pre-commit hook imports this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ap.core.errors import ArtifactError


class EffectiveScope(NamedTuple):
    """One objective's scope as every part of ap reads it."""

    task: str
    wave: object
    touch: tuple[str, ...]  # its scope_touch, then what the owner granted it
    read: tuple[str, ...]
    global_forbid: tuple[str, ...]
    own: tuple[str, ...]  # what the plan forbids it alone, beyond the global forbid
    others: tuple[str, ...]  # every other same-wave objective's touch and grants

    @property
    def forbid(self) -> tuple[str, ...]:
        """The effective scope_forbid: the global forbid, its own, then the others', each once."""
        return tuple(dict.fromkeys([*self.global_forbid, *self.own, *self.others]))


def effective_scopes(plan: Mapping[str, Any]) -> dict[str, EffectiveScope]:
    """The effective scope of every objective of ``plan`` (plain data), by id.

    Raises ArtifactError when the plan's scopes are not lists of patterns.
    """
    plan_id = str(plan.get("id", ""))
    objectives = plan.get("objectives")
    if not isinstance(objectives, list) or not all(isinstance(o, dict) for o in objectives):
        raise ArtifactError(f"plan {plan_id}: `objectives` is malformed", hint="run `ap validate`")
    grants: dict[str, list[str]] = {}
    for grant in plan.get("grants") or []:
        if isinstance(grant, dict) and isinstance(grant.get("pattern"), str):
            grants.setdefault(str(grant.get("task")), []).append(grant["pattern"])
    global_forbid = pattern_list(plan.get("global_forbid", []), f"plan {plan_id}: global_forbid")
    touch: dict[str, list[str]] = {}
    by_wave: dict[object, list[str]] = {}
    for o in objectives:
        task = str(o.get("id"))
        if task not in touch:  # (a duplicate id is refused by `ap validate`; the first counts)
            mine = pattern_list(o.get("scope_touch", []), f"{task}: scope_touch")
            touch[task] = list(dict.fromkeys([*mine, *grants.get(task, [])]))
            by_wave.setdefault(o.get("wave"), []).append(task)
    scopes: dict[str, EffectiveScope] = {}
    for o in objectives:
        task, wave = str(o.get("id")), o.get("wave")
        if task in scopes:
            continue
        recorded = pattern_list(o.get("scope_forbid", []), f"{task}: scope_forbid")
        others = (p for t in by_wave[wave] if t != task for p in touch[t])
        scopes[task] = EffectiveScope(
            task=task,
            wave=wave,
            touch=tuple(touch[task]),
            read=tuple(pattern_list(o.get("scope_read", []), f"{task}: scope_read")),
            global_forbid=tuple(dict.fromkeys(global_forbid)),
            own=tuple(dict.fromkeys(p for p in recorded if p not in global_forbid)),
            others=tuple(dict.fromkeys(others)),
        )
    return scopes


def pattern_list(value: object, where: str) -> list[str]:
    """``value`` when it is a list of patterns (text); else ArtifactError naming ``where``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArtifactError(f"{where} is not a list of patterns", hint="run `ap validate`")
    return list(value)
