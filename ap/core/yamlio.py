"""YAML in and out, with errors that name the file, the line and the field.

Used for ap.yaml, the front matter of every artifact and ``ap plan --from``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ap.core.errors import ApError

try:  # the C implementation is much faster when PyYAML was built with libyaml
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

M = TypeVar("M", bound=BaseModel)
# The hint of an error: fixed, or chosen from the fields at fault (e.g. "team.0.command").
Hint = str | Callable[[Sequence[str]], str | None] | None


def _hint(hint: Hint, fields: Sequence[str] = ()) -> str | None:
    return hint(fields) if callable(hint) else hint


def dump(data: Any) -> str:
    """Block-style YAML that keeps key order and unicode text as it is."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )


def parse(
    text: str, *, where: str, error: type[ApError], line_offset: int = 0, hint: Hint = None
) -> Any:
    """Parse YAML text; a syntax error becomes ``error`` naming ``where`` and the line."""
    try:
        return yaml.load(text, Loader=_Loader)  # a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1 + line_offset}" if mark is not None else ""
        problem = exc.problem or "invalid YAML"
        raise error(f"{where}{line}: invalid YAML: {problem}", hint=_hint(hint)) from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: invalid YAML: {exc}", hint=_hint(hint)) from None


def _line_of(text: str, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the node at ``loc`` (a pydantic error location) in ``text``."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            key = next((k for k, _ in node.value if k.value == part), None)
            if match is None:
                return line
            line = (key or match).start_mark.line + 1
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validate(
    model: type[M],
    data: Any,
    *,
    text: str,
    where: str,
    error: type[ApError],
    line_offset: int = 0,
    allow_empty: bool = False,
    hint: Hint = None,
) -> M:
    """Validate parsed YAML against ``model``; name file, line and field on failure.

    ``hint`` may be chosen from the fields at fault (dotted paths such as ``team.0.name``).
    """
    if data is None and allow_empty:
        data = {}
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise error(
            f"{where}: expected a mapping of keys to values, found {kind}", hint=_hint(hint)
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines, fields = [], []
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, (int, str))]
            field = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(text, loc)
            at = f":{line + line_offset}" if line is not None else ""
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"{where}{at}: {field}: {msg}")
            fields.append(field)
        raise error("\n".join(lines), hint=_hint(hint, fields)) from None


def load_model(
    model: type[M],
    path: Path,
    *,
    error: type[ApError],
    where: str | None = None,
    allow_empty: bool = False,
    hint: Hint = None,
) -> M:
    """Read a YAML file and validate it against ``model``."""
    where = where or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{where}: no such file", hint=_hint(hint)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{where}: cannot read: {exc}", hint=_hint(hint)) from None
    data = parse(text, where=where, error=error, hint=hint)
    return validate(
        model, data, text=text, where=where, error=error, allow_empty=allow_empty, hint=hint
    )
