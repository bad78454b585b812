"""An objective's effective scope_forbid, derived where it is used (docs/DESIGN.md §3).

The forbid scope of an objective is the global forbid, what the plan records for that
objective alone, and the touch (and grants) of every other objective of its wave. The
plan file stores the global forbid once and, per objective, only its own part, so it
grows linearly with the objectives; the rest is derived here, by the prompt, the plan
as JSON, the hook and the merge check alike. Plans written before stored the whole
list per objective; read here, it is the objective's own part and nothing is lost.

Plain data only (no pydantic): the pre-commit hook imports this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def scope_forbid(
    task: str,
    wave: object,
    own: Sequence[str],
    global_forbid: Sequence[str],
    members: Iterable[tuple[str, object, Sequence[str]]],
) -> list[str]:
    """The effective scope_forbid of objective ``task`` of ``wave``.

    ``members`` are the plan's objectives as ``(id, wave, touch and grants)``;
    the result is the global forbid, ``own``, then the others' patterns, each once.
    """
    others = (p for tid, w, touch in members if w == wave and tid != task for p in touch)
    return list(dict.fromkeys([*global_forbid, *own, *others]))


def every_scope_forbid(
    members: Sequence[tuple[str, object, Sequence[str]]],
    own: Mapping[str, Sequence[str]],
    global_forbid: Sequence[str],
) -> dict[str, list[str]]:
    """:func:`scope_forbid` of every objective, each wave's members gathered once."""
    by_wave: dict[object, list[tuple[str, object, Sequence[str]]]] = {}
    for member in members:
        by_wave.setdefault(member[1], []).append(member)
    return {
        task: scope_forbid(task, wave, own.get(task, ()), global_forbid, by_wave[wave])
        for task, wave, _ in members
    }
