from __future__ import annotations

import pytest

from ap.config import ApConfig, load_config
from ap.errors import ConfigError
from tests.helpers import Repo


def test_defaults_without_ap_yaml(repo: Repo) -> None:
    config = load_config(repo.root)
    assert config == ApConfig()
    forbid = config.effective_global_forbid()
    for pattern in (
        ".git/",
        ".github/workflows/",
        "ap.yaml",
        ".env",
        "secrets/",
        "**/node_modules/",
        "**/__pycache__/",
        ".venv/",
        "venv/",
        "dist/",
        "build/",
        "docs/plans/",
        "docs/analyses/",
        "docs/accomplishments/",
        "docs/sessions/",
    ):
        assert pattern in forbid
    assert config.state_dir == "docs"
    assert config.branch_prefix == "ap/"
    assert config.analyst.kind == "heuristic"
    assert config.case_sensitive_scopes is False


def test_short_forms_and_state_dir(repo: Repo) -> None:
    repo.write(
        "ap.yaml",
        "state_dir: .ap\nanalyst: openai\ngates: ['pytest -q']\nextra_forbid: [deploy/]\n",
    )
    config = load_config(repo.root)
    assert config.gates[0].name == "pytest" and config.gates[0].command == "pytest -q"
    assert config.analyst.kind == "openai"
    assert ".ap/plans/" in config.effective_global_forbid()
    assert "deploy/" in config.effective_global_forbid()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team: [\n", r"ap\.yaml:\d+: invalid YAML"),
        ("max_parallel: 2\ncolour: red\n", r"ap\.yaml:2: colour: unknown key"),
        ("max_parallel: lots\n", r"ap\.yaml:1: max_parallel: "),
        ("team:\n  - name: a\n    preset: x\n    command: y\n", r"ap\.yaml:2: team\.0: "),
        ("state_dir: ../elsewhere\n", r"ap\.yaml:1: state_dir: "),
        ("- 1\n", "expected a mapping"),
    ],
)
def test_malformed_config_names_file_line_and_field(repo: Repo, text: str, expected: str) -> None:
    repo.write("ap.yaml", text)
    with pytest.raises(ConfigError, match=expected):
        load_config(repo.root)
