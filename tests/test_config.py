from __future__ import annotations

import pytest

from ap.core.config import ApConfig, load_config
from ap.core.errors import ConfigError
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
        ("team:\n  - name: a\n    preset: x\n    command: y\n", r"ap\.yaml:3: team\.0\.preset: "),
        ("team:\n  - name: a\n    preset: codex\n    command: y\n", r"ap\.yaml:2: team\.0: "),
        ("state_dir: ../elsewhere\n", r"ap\.yaml:1: state_dir: "),
        ("- 1\n", "expected a mapping"),
    ],
)
def test_malformed_config_names_file_line_and_field(repo: Repo, text: str, expected: str) -> None:
    repo.write("ap.yaml", text)
    with pytest.raises(ConfigError, match=expected):
        load_config(repo.root)


WORKER_HINT = "hint: fix ap.yaml: a worker is `{name: NAME, command: [program, arg, ...]}`"


@pytest.mark.parametrize(
    ("member", "line", "expected"),
    [
        ("command: ''", 3, r"team\.0\.command: worker 'w': `command` is empty"),
        ("command: '   '", 3, r"team\.0\.command: worker 'w': `command` is empty"),
        ("command: []", 3, r"team\.0\.command: worker 'w': `command` is empty"),
        ("command: ['', x]", 3, r"worker 'w': `command` names no program"),
        (
            "command: 'run \"unbalanced'",
            3,
            r"team\.0\.command: worker 'w': `command` cannot be split into words "
            r"\(No closing quotation\)",
        ),
        ("command: 'run \\'", 3, r"worker 'w': `command` cannot be split into words"),
        ("command: [run, 1]", 3, r"worker 'w': `command` must be a command line or a list"),
        ("command: {run: 1}", 3, r"worker 'w': `command` must be a command line or a list"),
        ("preset: nope", 3, r"team\.0\.preset: worker 'w': unknown preset 'nope' \(one of"),
        ("preset: codex\n    command: run", 2, r"team\.0: worker 'w': give exactly one of"),
        ("capabilities: [python]", 2, r"team\.0: worker 'w': give exactly one of"),
        ("preset: script", 2, r"worker 'w': the script preset needs `recipe:`"),
        ("command: run\n    recipe: r.yaml", 2, r"worker 'w': `recipe` is read by the script"),
        ("command: run\n    max_concurrent: 0", 4, r"`max_concurrent` must be a whole number"),
        ("command: run\n    max_concurrent: -2", 4, r"`max_concurrent` must be .* not -2"),
        ("command: run\n    max_concurrent: true", 4, r"`max_concurrent` must be .* not True"),
        ("command: run\n    max_concurrent: '2'", 4, r"`max_concurrent` must be .* not '2'"),
        ("command: run\n    capabilities: [1, {a: b}]", 4, r"`capabilities` must be a list"),
        ("command: run\n    capabilities: python", 4, r"`capabilities` must be a list of words"),
        ("command: run\n    timeout: 1e308", 4, r"team\.0\.timeout: a timeout is more than 0 and"),
        ("command: run\n    timeout: .inf", 4, r"a timeout is more than 0 and at most \d+ s"),
        ("command: run\n    timeout: 1e999", 4, r"a timeout is more than 0 and at most \d+ s"),
        ("command: run\n    timeout: soon", 4, r"a timeout is a number of seconds, not 'soon'"),
        ("command: run\n    timeout: 0", 4, r"a timeout is more than 0"),
        ("command: run\n    timeout: true", 4, r"a timeout is a number of seconds, not True"),
    ],
)
def test_a_worker_that_cannot_run_is_refused_at_load(
    repo: Repo, member: str, line: int, expected: str
) -> None:
    repo.write("ap.yaml", f"team:\n  - name: w\n    {member}\n")
    with pytest.raises(ConfigError, match=rf"^ap\.yaml:{line}: .*{expected}") as caught:
        load_config(repo.root)
    assert caught.value.hint is not None and caught.value.hint.startswith("fix ap.yaml: a worker")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team:\n  - name: ''\n    command: run\n", r"ap\.yaml:2: team\.0\.name: .* not ''"),
        ("team:\n  - name: ' w'\n    command: run\n", r"ap\.yaml:2: team\.0\.name: "),
        ("team:\n  - name: 3\n    command: run\n", r"ap\.yaml:2: team\.0\.name: .* not 3"),
        (
            "team:\n  - name: w\n    command: a\n  - name: v\n    command: b\n"
            "  - name: w\n    preset: codex\n",
            r"ap\.yaml:6: team\.2\.name: two workers are named 'w' \(entries 1 and 3",
        ),
    ],
)
def test_worker_names_are_words_and_unique(repo: Repo, text: str, expected: str) -> None:
    repo.write("ap.yaml", text)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_config(repo.root)
    assert caught.value.hint is not None and "a worker is" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "expected", "hint"),
    [
        (
            "analyst:\n  kind: command\n  command: 'x \"y'\n",
            r"ap\.yaml:3: analyst\.command: the analyst: `command` cannot be split",
            "analyst: heuristic",
        ),
        ("analyst:\n  kind: command\n  command: []\n", r"`command` is empty", "analyst"),
        ("analyst: command\n", r"ap\.yaml:1: analyst: the analyst of kind command needs", "kind"),
        ("gates: ['']\n", r"ap\.yaml:1: gates\.0\.command: a gate's `command` is empty", "gate"),
        ("gates:\n  - {name: t, command: ' '}\n", r"ap\.yaml:2: gates\.0\.command: ", "gate"),
        ("max_parallel: 0\n", r"ap\.yaml:1: max_parallel: `max_parallel` must be", "4"),
        ("gates:\n  - {name: t, command: c, timeout: .inf}\n", r"gates\.0\.timeout: ", "gate"),
        ("analyst:\n  timeout: 1e300\n", r"ap\.yaml:2: analyst\.timeout: ", "analyst"),
        ("max_parallel: true\n", r"max_parallel: .* not True", "max_parallel: 4"),
        ("branch_prefix: 'a b'\n", r"ap\.yaml:1: branch_prefix: .*contains ' '", "ap/"),
        ("branch_prefix: 'x/../y'\n", r"branch_prefix: ", "ap/"),
        ("branch_prefix: '-x'\n", r"branch_prefix: ", "ap/"),
        ("branch_prefix: 'x.lock/'\n", r"branch_prefix: ", "ap/"),
        ("branch_prefix: '/'\n", r"branch_prefix: .*empty part", "ap/"),
        ("state_dir: .git\n", r"ap\.yaml:1: state_dir: .* inside \.git/", "docs"),
        ("state_dir: .git/ap\n", r"state_dir: .* inside \.git/", "docs"),
        ("state_dir: a//b\n", r"state_dir: .* relative folder", "docs"),
        ("state_dir: ' '\n", r"state_dir: .* relative folder .*whitespace", "docs"),
        ("state_dir: 'a/../b'\n", r"state_dir: .* relative folder", "docs"),
        ("state_dir: 'd*'\n", r"state_dir: .* glob character", "docs"),
        ("global_forbid: ['.git/', '!x']\n", r"ap\.yaml:1: global_forbid\.1: .*'!x'", "glob"),
        ("extra_forbid:\n  - ok/\n  - a//b\n", r"ap\.yaml:3: extra_forbid\.1: ", "glob"),
        ("colour: red\n", r"colour: unknown key", "keys are team, global_forbid"),
        ("team: [\n", r"invalid YAML", "fix ap.yaml"),
        ("- 1\n", r"expected a mapping", "keys are team"),
    ],
)
def test_every_config_error_names_the_line_and_hints(
    repo: Repo, text: str, expected: str, hint: str
) -> None:
    repo.write("ap.yaml", text)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_config(repo.root)
    assert caught.value.hint is not None and hint in caught.value.hint


def test_valid_shapes_still_load(repo: Repo) -> None:
    repo.write(
        "ap.yaml",
        "branch_prefix: work/ap\nmax_parallel: 3\nstate_dir: /notes/ap/\n"
        "global_forbid: [.git/, deploy/]\nanalyst: {kind: command, command: 'llm --json'}\n"
        "team:\n  - {name: a, command: 'agent -p \"do it\"', capabilities: [python]}\n"
        "  - {name: b, command: [agent, ''], max_concurrent: 2}\n"
        "  - {name: c, preset: script, recipe: r.yaml}\n  - {name: d, preset: manual}\n",
    )
    config = load_config(repo.root)
    assert config.branch_prefix == "work/ap/" and config.state_dir == "notes/ap"
    assert [w.name for w in config.team] == ["a", "b", "c", "d"]
