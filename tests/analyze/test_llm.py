from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ap.analyze.llm import llm_analyze, parse_answer
from ap.analyze.providers import AnalystError
from ap.core.config import AnalystConfig
from ap.core.errors import ConfigError
from tests.analyze.llm_servers import Script, serve

KEY = "sk-test-secret-0123456789"
VALID = json.dumps(
    {
        "task_type": "feature",
        "task_type_reasons": ["adds login"],
        "candidate_files": [{"path": "src/auth.py", "relevance": 0.9, "reason": "auth"}],
        "scope_strategy": "one objective per module",
        "objectives": [
            {"id": "T1", "title": "Tokens", "scope_touch": ["src/auth.py"]},
            {
                "id": "T2",
                "title": "Docs",
                "scope_touch": ["docs/auth.md"],
                "depends_on": ["T1"],
                "integration_points": ["documents issue_token"],
            },
        ],
    }
)
INVALID = '{"task_type": "nonsense", "objectives": []}'


def analyse(config: AnalystConfig):  # type: ignore[no-untyped-def]
    return llm_analyze(
        "Add login",
        "2 files",
        config=config,
        analysis_id="20261125-login",
        known_paths={"src/auth.py"},
    )


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_valid_answer(protocol: str) -> None:
    script = Script([f"```json\n{VALID}\n```"])
    with serve(protocol, script) as url:
        result = analyse(AnalystConfig(kind=protocol, base_url=url, model="m", timeout=5))  # type: ignore[arg-type]
    assert [o.id for o in result.objectives] == ["T1", "T2"]
    assert result.report.analyst == f"{protocol}:m"
    assert result.report.candidate_files[0].path == "src/auth.py"
    request = script.requests[0]
    assert request["model"] == "m"
    assert "Add login" in json.dumps(request)
    assert KEY not in json.dumps(request)


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_invalid_then_valid_sends_the_errors_back(protocol: str) -> None:
    script = Script([INVALID, VALID])
    with serve(protocol, script) as url:
        result = analyse(AnalystConfig(kind=protocol, base_url=url, timeout=5))  # type: ignore[arg-type]
    assert len(script.requests) == 2 and len(result.objectives) == 2
    retry = json.dumps(script.requests[1]["messages"])
    assert "Your answer was invalid" in retry and "task_type" in retry


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_invalid_twice_is_a_clear_error(protocol: str) -> None:
    script = Script([INVALID, "no json at all"])
    with serve(protocol, script) as url, pytest.raises(AnalystError) as info:
        analyse(AnalystConfig(kind=protocol, base_url=url, timeout=5))  # type: ignore[arg-type]
    assert "invalid JSON twice" in info.value.message and KEY not in info.value.message
    assert info.value.exit_code == 1


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_timeout(protocol: str) -> None:
    script = Script([VALID], delay=2.0)
    with serve(protocol, script) as url, pytest.raises(AnalystError, match="timed out"):
        analyse(AnalystConfig(kind=protocol, base_url=url, timeout=0.5))  # type: ignore[arg-type]


def test_missing_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY") as info:
        analyse(AnalystConfig(kind="anthropic"))
    assert info.value.exit_code == 2


def write_script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "analyst.py"
    path.write_text(body)
    return [sys.executable, str(path)]


def test_command_analyst(tmp_path: Path) -> None:
    argv = write_script(
        tmp_path,
        f"import sys\nprompt = sys.stdin.read()\nassert 'Add login' in prompt\nprint({VALID!r})\n",
    )
    result = analyse(AnalystConfig(kind="command", command=argv, timeout=10))
    assert len(result.objectives) == 2


def test_command_analyst_invalid_then_valid(tmp_path: Path) -> None:
    argv = write_script(
        tmp_path,
        "import sys\nprompt = sys.stdin.read()\n"
        f"print({VALID!r} if 'Your answer was invalid' in prompt else {INVALID!r})\n",
    )
    assert len(analyse(AnalystConfig(kind="command", command=argv, timeout=10)).objectives) == 2


def test_command_analyst_failures(tmp_path: Path) -> None:
    failing = write_script(tmp_path, "import sys\nsys.exit(3)\n")
    with pytest.raises(AnalystError, match="exited 3"):
        analyse(AnalystConfig(kind="command", command=failing, timeout=10))
    hanging = write_script(tmp_path, "import time\ntime.sleep(10)\n")
    with pytest.raises(AnalystError, match="timed out"):
        analyse(AnalystConfig(kind="command", command=hanging, timeout=0.5))


def test_parse_answer_tolerates_prose_around_json() -> None:
    assert parse_answer(f"Here you go:\n{VALID}\nThanks").objectives[0].id == "T1"
    with pytest.raises(ValueError):
        parse_answer("nothing")
