"""Hypothesis strategies that build any artifact model from its field annotations."""

from __future__ import annotations

import types
import typing
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

# Any text a person or an issue might put in a field: no surrogates (not UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
DATETIMES = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)
)


def for_annotation(annotation: Any) -> st.SearchStrategy[Any]:
    """A strategy for values of a (pydantic field) type annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([for_annotation(a) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(for_annotation(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(for_annotation(args[0]), for_annotation(args[1]), max_size=3)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: TEXT,
        int: st.integers(min_value=-(2**40), max_value=2**40),
        float: FLOATS,
        bool: st.booleans(),
        datetime: DATETIMES,
        type(None): st.none(),
    }
    if annotation in simple:
        return simple[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return models(annotation)
    raise NotImplementedError(f"no strategy for {annotation!r}")


def models(cls: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with every field drawn (constraints enforced by filtering)."""
    fields = {
        name: st.deferred(lambda f=field: for_annotation(f.annotation))
        for name, field in cls.model_fields.items()
    }

    def build(values: dict[str, Any]) -> Any:
        try:
            return cls.model_validate(values)
        except ValueError:
            return None

    return st.fixed_dictionaries(fields).map(build).filter(lambda m: m is not None)
