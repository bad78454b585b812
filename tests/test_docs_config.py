"""docs/configuration.md documents every key of ap.yaml, so the reference cannot drift.

Each key of :class:`ap.core.config.ApConfig`, nested models included (``team[].name``,
``analyst.kind``), must have a table row in the page, the page must document no key
ApConfig lacks, and a scalar default the page shows must be the model's.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel

from ap.core.config import ApConfig

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
# A reference row: | `key.path` | type | default | meaning |
ROW = re.compile(r"^\|\s*`([A-Za-z_][\w.\[\]]*)`\s*\|[^|]*\|([^|]*)\|", re.MULTILINE)


def _models(annotation: object) -> Iterator[tuple[str, type[BaseModel]]]:
    """The models an annotation holds, with ``[]`` when inside a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield "", annotation
        return
    origin = typing.get_origin(annotation)
    suffix = "[]" if origin in (list, tuple, set, frozenset) else ""
    if origin is None and not isinstance(annotation, types.UnionType):
        return
    for arg in typing.get_args(annotation):
        for inner, model in _models(arg):
            yield suffix + inner, model


def config_keys(model: type[BaseModel], prefix: str = "") -> dict[str, object]:
    """Every key of ``model`` as a dotted path (``team[].name``), with its default."""
    keys: dict[str, object] = {}
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys[path] = field.get_default(call_default_factory=True)
        for suffix, nested in _models(field.annotation):
            keys.update(config_keys(nested, f"{path}{suffix}."))
    return keys


def documented(text: str) -> dict[str, str]:
    """The keys the page's reference tables document, with their default cells."""
    return {match.group(1): match.group(2).strip() for match in ROW.finditer(text)}


def _page() -> dict[str, str]:
    assert PAGE.is_file(), "docs/configuration.md is missing"
    return documented(PAGE.read_text(encoding="utf-8"))


def test_every_key_of_ap_yaml_is_documented() -> None:
    missing = sorted(set(config_keys(ApConfig)) - set(_page()))
    assert not missing, f"docs/configuration.md lacks a row for: {', '.join(missing)}"


def test_the_page_documents_no_key_ap_yaml_lacks() -> None:
    unknown = sorted(set(_page()) - set(config_keys(ApConfig)))
    assert not unknown, f"docs/configuration.md documents keys ApConfig lacks: {unknown}"


def test_scalar_defaults_on_the_page_are_the_models() -> None:
    rows = _page()
    for key, default in config_keys(ApConfig).items():
        if isinstance(default, (str, bool, int, float)) and key in rows:
            shown = yaml.safe_load(rows[key].strip("`"))
            assert shown == default, f"{key}: the page says {rows[key]!r}, ApConfig {default!r}"


def test_a_new_nested_key_is_noticed() -> None:
    """The walk reaches nested models: a key added to a team member is a key to document."""

    class Member(BaseModel):
        name: str
        surprise: int = 0

    class Config(BaseModel):
        team: list[Member] = []
        helper: Member | None = None

    page = "| `team` | list | `[]` | the team |\n| `team[].name` | text | required | a name |\n"
    missing = set(config_keys(Config)) - set(documented(page))
    assert missing == {"team[].surprise", "helper", "helper.name", "helper.surprise"}
