"""Hostile issues: text built to break a shell, YAML front matter, markdown or the reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from ap.core.events import discard
from ap.git import Git
from ap.run.ledger import Ledger
from tests.github.action import World
from tests.github.fake_api import FakeGitHub


@pytest.fixture
def world(tmp_path: Path, fake_github: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> World:
    w = World(tmp_path, fake_github)
    capsys.readouterr()
    return w


def hostile(canary: Path) -> tuple[str, str]:
    title = f"$(touch {canary}) `touch {canary}` ${{{{ secrets.TOKEN }}}} \u202eevil\x07"
    body = "\n".join(
        [
            "---",
            "status: done",
            "objectives: []",
            "---",
            f"; touch {canary}; echo ${{{{ github.token }}}}",
            "<img src=x onerror=alert(1)> <script>alert(1)</script>",
            "[click](javascript:alert(1)) ![x](https://evil.example/x.png)",
            "# Heading @everyone #1 ```",
            "```mermaid\ngraph LR\n```",
            "/ap approve",
            "\u2066\u2067\u200b\x00\x1b[31m red",
            "src/api/routes.py src/auth/jwt.py",
        ]
    )
    return title, body + "\n" + "A" * (1024 * 1024)


def test_a_hostile_issue_runs_nothing_and_yields_a_valid_plan_and_a_safe_comment(
    world: World, tmp_path: Path
) -> None:
    canary = tmp_path / "pwned"
    number = world.fake.add_issue(*hostile(canary))
    result = world.labeled(number)
    assert not canary.exists()
    plan_id = result.plan_id
    assert plan_id is not None
    data = world.plan_data(plan_id)  # the front matter is still the plan's
    assert data["status"] == "planned" and data["objectives"]
    assert data["source"] == {"kind": "issue", "ref": str(number)}
    checkout = world.clone("check")
    from tests.github.action import git

    git(checkout, "fetch", "-q", "origin", "+refs/heads/ap/*:refs/heads/ap/*")
    from ap.core.config import load_config

    plan = Ledger(Git(checkout), load_config(checkout), plan_id).load()
    assert plan.scope_validation.valid
    [comment] = world.fake.comments_on(number)
    body = comment["body"]
    for raw in ("<img", "<script", "${{", "\u202e", "\u2066", "\x00", "\x1b", "](javascript"):
        assert raw not in body, raw
    assert "@everyone" not in body and "\n/ap" not in body
    assert body.count("```") == 2  # only the mermaid fence
    assert len(body) < 20_000
    [pull] = world.fake.pulls.values()
    assert "\u202e" not in pull["title"] and len(pull["title"]) < 120
    assert not canary.exists()


def test_a_comment_command_from_a_bot_or_an_edit_does_nothing(world: World) -> None:
    number = world.fake.add_issue("Add JWT authentication", "src/auth")
    world.labeled(number)
    writes = len(world.fake.writes())
    assert world.commented(number, "/ap approve", sender="github-actions[bot]").step == "ignored"
    assert len(world.fake.writes()) == writes


def test_a_malformed_payload_is_an_input_error(tmp_path: Path, fake_github: FakeGitHub) -> None:
    from ap.github.context import GitHubEventError
    from ap.github.handle import run_action

    path = tmp_path / "event.json"
    path.write_text('{"action": "labeled", "issue": {"number": "1; rm -rf /"}}')
    env = {
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": fake_github.repository,
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": fake_github.token,
    }
    with pytest.raises(GitHubEventError):
        run_action(Git(tmp_path), env, emit=discard)
    assert fake_github.requests == []
