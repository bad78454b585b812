"""ap.yaml fuzzed: any YAML, any shape and value for each key, loads or is refused with a
ConfigError (exit 2, a hint); what loads can be used (workers, forbid list, branch names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ap.core.config import MAX_SECONDS, ApConfig, load_config
from ap.core.errors import ConfigError
from ap.core.ids import Branches
from ap.run.workers import from_config
from ap.scope.pattern import parse_pattern

WORDS = st.sampled_from(
    ["", " ", "x", "ap/", "docs", "a b", "'", '"', "\\", "-x", "..", ".git", "{x}", "é", "0"]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    WORDS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=8), WORDS), inner, max_size=3),
    ),
    max_leaves=8,
)
COMMANDS = st.one_of(
    VALUES, st.text(alphabet="ab \"'\\-{}", max_size=10), st.lists(WORDS, max_size=3)
)
WORKER_KEYS = {
    "name": st.one_of(WORDS, VALUES),
    "preset": st.one_of(st.sampled_from(["codex", "manual", "script", "nope"]), VALUES),
    "command": COMMANDS,
    "capabilities": st.one_of(st.lists(WORDS, max_size=2), VALUES),
    "max_concurrent": st.one_of(st.integers(-2, 3), VALUES),
    "timeout": st.one_of(st.floats(-1, 5), st.sampled_from([1e10, 1e308, float("inf")]), VALUES),
    "recipe": st.one_of(WORDS, VALUES),
    "colour": VALUES,
}
WORKERS = st.lists(
    st.fixed_dictionaries({}, optional=WORKER_KEYS),  # type: ignore[arg-type]
    max_size=3,
)
CONFIG_KEYS: dict[str, st.SearchStrategy[Any]] = {
    "team": st.one_of(WORKERS, VALUES),
    "global_forbid": st.one_of(st.lists(WORDS, max_size=3), VALUES),
    "extra_forbid": st.one_of(st.lists(WORDS, max_size=3), VALUES),
    "gates": st.one_of(st.lists(st.one_of(WORDS, VALUES), max_size=2), VALUES),
    "state_dir": st.one_of(WORDS, VALUES),
    "branch_prefix": st.one_of(WORDS, st.text(max_size=6), VALUES),
    "analyst": st.one_of(
        st.sampled_from(["heuristic", "command", "nope"]),
        st.fixed_dictionaries(
            {}, optional={"kind": st.sampled_from(["command", "openai"]), "command": COMMANDS}
        ),
        VALUES,
    ),
    "max_parallel": st.one_of(st.integers(-2, 3), VALUES),
    "case_sensitive_scopes": VALUES,
    "bogus": VALUES,
}
CONFIGS = st.one_of(st.fixed_dictionaries({}, optional=CONFIG_KEYS), VALUES)


def _check_usable(config: ApConfig) -> None:
    """What ap does with a loaded config must not fail on it."""
    for spec in config.team:
        worker = from_config(spec)
        assert worker.manual or (worker.argv and worker.argv[0].strip())
        assert worker.max_concurrent is None or worker.max_concurrent >= 1
        assert worker.timeout is None or 0 < worker.timeout <= MAX_SECONDS
    for gate in config.gates:
        assert gate.timeout is None or 0 < gate.timeout <= MAX_SECONDS
    assert 0 < config.analyst.timeout <= MAX_SECONDS
    assert len({w.name for w in config.team}) == len(config.team)
    for pattern in config.effective_global_forbid():
        parse_pattern(pattern, allow_git_dir=True)
    assert config.max_parallel is None or config.max_parallel >= 1
    assert config.state_dir.split("/")[0].lower() != ".git"
    assert Branches(config.branch_prefix).parse_objective(
        Branches(config.branch_prefix).objective("20260101-x", "T1")
    ) == ("20260101-x", "T1")


def _load(root: Path, text: str) -> None:
    (root / "ap.yaml").write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        config = load_config(root)
    except ConfigError as exc:
        assert exc.message.startswith("ap.yaml")
        assert exc.hint and exc.hint.startswith("fix ap.yaml")
        return
    _check_usable(config)


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=CONFIGS)
@example(data={"team": [{"name": "w", "command": ""}]})
@example(data={"team": [{"name": "w", "command": 'a "b'}]})
@example(data={"analyst": {"kind": "command", "command": "a\\"}})
@example(data={"branch_prefix": "a b"})
@example(data={"state_dir": " "})
@example(data={"state_dir": "a*"})
def test_any_yaml_shape_loads_or_is_a_config_error(tmp_path: Path, data: Any) -> None:
    _load(tmp_path, yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(text=st.text(alphabet="team:-[]{}'\"\n #&*!|>%@`,?\t\\ab01", max_size=40))
def test_any_text_loads_or_is_a_config_error(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text)


@pytest.mark.parametrize("raw", [b"\xff\xfe team: []\n", b"team: [\x00]\n"])
def test_unreadable_bytes_are_a_config_error(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "ap.yaml").write_bytes(raw)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.hint
