"""The hook's settings come from the one schema of ap.yaml (ApConfig): for any ap.yaml,
the hook's loader — cold, then from its cache — gives what the full loader gives, and
refuses what it refuses, with the same message and hint."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from ap.core.config import load_config
from ap.core.errors import ConfigError
from ap.run.enforce import Settings
from tests.test_config_fuzz import CONFIGS, FUZZ


def _full(root: Path) -> Settings | tuple[str, str | None]:
    try:
        config = load_config(root)
    except ConfigError as exc:
        return exc.message, exc.hint
    return Settings(config.state_dir, config.branch_prefix, config.case_sensitive_scopes)


def _fast(root: Path, cache: str | None) -> Settings | tuple[str, str | None]:
    try:
        return Settings.load(root, cache)
    except ConfigError as exc:
        return exc.message, exc.hint


def _same_either_way(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "ap.yaml").write_bytes(raw)
        cache = str(root / "cache")
        expected = _full(root)
        assert _fast(root, None) == expected
        assert _fast(root, cache) == expected  # cold: validated, then kept
        assert _fast(root, cache) == expected  # warm: read from the cache


@FUZZ
@given(data=CONFIGS)
@example(data={"branch_prefix": "a b/"})
@example(data={"state_dir": "a//b"})
@example(data={"state_dir": "x", "team": 3})
@example(data={"branch_prefix": "ap", "state_dir": "docs/"})
def test_any_yaml_shape_gives_the_same_settings_to_the_hook(data: Any) -> None:
    _same_either_way(yaml.safe_dump(data, allow_unicode=True).encode())


@FUZZ
@given(text=st.text(alphabet="state_dir:branch_prefix-[]{}'\"\n #&*!|>%@`,?\t\\/ab01", max_size=40))
def test_any_text_gives_the_same_settings_to_the_hook(text: str) -> None:
    _same_either_way(text.encode("utf-8", errors="surrogateescape"))


def test_unreadable_bytes_are_refused_by_the_hook_too() -> None:
    _same_either_way(b"\xff\xfe state_dir: x\n")


def test_no_ap_yaml_gives_the_defaults(tmp_path: Path) -> None:
    assert _fast(tmp_path, str(tmp_path / "cache")) == _full(tmp_path) == Settings()
