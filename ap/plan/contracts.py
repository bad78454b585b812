"""Integration contracts: what one objective provides to another, checkable when it names it.

An integration point is text. A backtick-quoted *reference* in it names a thing of
the repository, and makes the contract it becomes checkable after the provider's
wave merges (:mod:`ap.run.contracts`)::

    `src/auth/jwt.py:verify_token`    a function, class or constant of a module
    `src/auth/jwt.py:Claims.subject`  a method or attribute of a class
    `src/cli.py:--dry-run`            a command-line flag (an option string in the file)
    `web/api.ts:fetchUser`            a JavaScript/TypeScript export, a Go declaration
    `docs/api.md`                     a file (or folder)

A quoted span is a reference when it is a path, relative to the repository root,
whose last segment has an extension or which has a folder (``auth.jwt.issue(user)``
is not one: it has parentheses), optionally followed by ``:`` and a name. The
provider is the objective whose scope_touch covers the path: the objective that
writes the point itself (it provides to its dependants) or one it depends on. A
reference no such objective covers stays text, as does every point without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from ap.core.errors import ScopeError
from ap.core.models import IntegrationContract, Objective
from ap.scope import ScopeMatcher, parse_pattern

Kind = Literal["file", "flag", "symbol"]

_SPAN = re.compile(r"`([^`\s]+)`")
_PATH = r"[\w.@+~/-]+"  # (no parentheses, quotes or globs: `f(x)` is code, not a path)
_NAME = r"--?[A-Za-z0-9][\w-]*|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
_REFERENCE = re.compile(rf"(?P<path>{_PATH})(?::(?P<name>{_NAME}))?")


@dataclass(frozen=True)
class Reference:
    """A checkable thing: a file, or a name (symbol, member, flag) defined in it."""

    path: str
    name: str | None = None

    @property
    def kind(self) -> Kind:
        if self.name is None:
            return "file"
        return "flag" if self.name.startswith("-") else "symbol"

    def __str__(self) -> str:
        return self.path if self.name is None else f"{self.path}:{self.name}"


def parse_reference(text: str) -> Reference | None:
    """The reference ``text`` is (without its backticks), or None when it is not one."""
    match = _REFERENCE.fullmatch(text)
    if match is None:
        return None
    path = match.group("path")
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if "/" not in path.rstrip("/") and "." not in last.strip("."):
        return None  # a bare word: `verify_token`, `T1`
    try:
        normal = parse_pattern(path).text
    except ScopeError:
        return None
    return Reference(normal.lstrip("/").rstrip("/"), match.group("name"))


def references(point: str) -> list[Reference]:
    """The references quoted in one integration point, in order, each once."""
    found = (parse_reference(span) for span in _SPAN.findall(point))
    return list(dict.fromkeys(r for r in found if r is not None))


def ancestors(objective: Objective, by_id: dict[str, Objective]) -> Iterator[str]:
    """What ``objective`` depends on: direct dependencies first, then theirs."""
    seen: set[str] = set()
    queue = list(objective.depends_on)
    while queue:
        task = queue.pop(0)
        if task in seen or task not in by_id:
            continue
        seen.add(task)
        yield task
        queue += by_id[task].depends_on


class Attribution:
    """Who provides a referenced path: the objective whose scope_touch covers it."""

    def __init__(self, objectives: Sequence[Objective], case_sensitive: bool) -> None:
        self.by_id = {o.id: o for o in objectives}
        self.scopes = {
            o.id: ScopeMatcher(o.scope_touch, case_sensitive=case_sensitive) for o in objectives
        }

    def provider(self, objective: Objective, ref: Reference) -> str | None:
        for task in (objective.id, *ancestors(objective, self.by_id)):
            if self.scopes[task].covers(ref.path):
                return task
        return None


def _text_contract(o: Objective, dep: str, title: str) -> IntegrationContract:
    """The unchecked contract of a dependency no reference names (as before contracts)."""
    named = [p for p in o.integration_points if re.search(rf"\b{re.escape(dep)}\b", p)]
    points = named or o.integration_points
    description = "; ".join(points) or f"{o.id} builds on the result of {dep} ({title})"
    return IntegrationContract(provider=dep, consumer=o.id, description=description)


def derive_contracts(
    objectives: Sequence[Objective], *, case_sensitive: bool = False
) -> list[IntegrationContract]:
    """The plan's contracts: one per reference in a consumer's points (provider: the
    dependency that touches it), one per dependant for a reference in a provider's own
    points (``consumer`` empty when nothing depends on it), and a text contract for each
    dependency no reference names."""
    who = Attribution(objectives, case_sensitive)
    dependants = {o.id: [d.id for d in objectives if o.id in d.depends_on] for o in objectives}
    out: dict[tuple[str, str, str | None], IntegrationContract] = {}
    for o in objectives:
        for point in o.integration_points:
            for ref in references(point):
                provider = who.provider(o, ref)
                if provider is None:
                    continue
                consumers = [o.id] if provider != o.id else dependants[o.id] or [""]
                for c in consumers:
                    contract = IntegrationContract(
                        provider=provider, consumer=c, description=point, symbol=str(ref)
                    )
                    out.setdefault((provider, c, contract.symbol), contract)
    named = {(c.provider, c.consumer) for c in out.values()}
    for o in objectives:
        for dep in o.depends_on:
            if (dep, o.id) not in named and dep in who.by_id:
                out.setdefault((dep, o.id, None), _text_contract(o, dep, who.by_id[dep].title))
    return list(out.values())
