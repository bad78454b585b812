"""The Action's context from real webhook payloads, and /ap comment commands."""

from __future__ import annotations

import copy
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ap.core.errors import EXIT_USAGE
from ap.github import context
from ap.github.context import (
    Command,
    GitHubEventError,
    load_context,
    parse_command,
    parse_payload,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github-webhooks"
TOKEN = "ghs_contexttoken"


@cache
def _examples(event: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURES / f"{event}.json").read_text())
    return data


def example(event: str, action: str | None = None) -> dict[str, Any]:
    """A copy (safe to change) of the first real ``event`` payload with ``action``."""
    found = next(p for p in _examples(event) if action is None or p.get("action") == action)
    return copy.deepcopy(found)


def env_for(tmp_path: Path, event: str, payload: Any, **extra: str) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": "https://api.github.com",
        **extra,
    }


@pytest.mark.parametrize(
    "event", ["issues", "issue_comment", "push", "workflow_dispatch", "pull_request"]
)
def test_every_real_payload_parses(event: str) -> None:
    for payload in _examples(event):
        parsed = parse_payload(event, payload)
        assert parsed.repository is not None
        assert parsed.sender is not None


def test_an_issue_labelled_ap_request(tmp_path: Path) -> None:
    payload = example("issues", "labeled")
    payload["label"]["name"] = "ap-request"
    payload["issue"]["labels"].append({"name": "ap-request", "color": "ededed"})
    ctx = load_context(env_for(tmp_path, "issues", payload))
    assert (ctx.event_name, ctx.repository) == ("issues", "Codertocat/Hello-World")
    assert ctx.api_url == "https://api.github.com"
    event = ctx.event
    assert event.action == "labeled"
    assert event.label is not None
    assert event.label.name == "ap-request"
    assert event.sender is not None
    assert event.sender.login == "Codertocat"
    assert event.issue is not None
    assert event.issue.number == 1
    assert event.issue.title == "Spelling error in the README file"
    assert event.issue.body.startswith("It looks like you accidently")
    assert event.issue.labels == ("bug", "ap-request")
    assert event.issue.author == "Codertocat"
    assert event.issue.is_pull_request is False
    assert event.repository is not None
    assert (event.repository.full_name, event.repository.default_branch) == (
        "Codertocat/Hello-World",
        "master",
    )


def test_an_issue_without_body(tmp_path: Path) -> None:
    payload = example("issues", "opened")
    payload["issue"]["body"] = None
    ctx = load_context(env_for(tmp_path, "issues", payload))
    assert ctx.event.issue is not None
    assert ctx.event.issue.body == ""


def test_a_comment_with_a_command(tmp_path: Path) -> None:
    payload = example("issue_comment", "created")
    payload["comment"]["body"] = "Looks good.\r\n/ap retry T3\r\n"
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/x"}
    ctx = load_context(env_for(tmp_path, "issue_comment", payload))
    comment, issue = ctx.event.comment, ctx.event.issue
    assert comment is not None
    assert issue is not None
    assert (comment.id, comment.author) == (492700400, "Codertocat")
    assert issue.is_pull_request is True
    assert parse_command(comment.body) == Command("retry", "T3")


def test_a_push_to_a_branch(tmp_path: Path) -> None:
    payload = example("push")
    payload["ref"] = "refs/heads/ap/20260101-add-login/T2"
    event = load_context(env_for(tmp_path, "push", payload)).event
    assert event.branch == "ap/20260101-add-login/T2"
    assert event.after == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert event.deleted is False


def test_a_tag_push_has_no_branch() -> None:
    event = parse_payload("push", example("push"))
    assert event.ref == "refs/tags/simple-tag"
    assert event.branch is None


def test_workflow_dispatch_inputs_are_text(tmp_path: Path) -> None:
    payload = example("workflow_dispatch")
    payload["inputs"] = {"plan": "20260101-add-login", "dry_run": True, "wave": 2}
    event = load_context(env_for(tmp_path, "workflow_dispatch", payload)).event
    assert event.inputs == {"plan": "20260101-add-login", "dry_run": "true", "wave": "2"}
    assert event.branch == "main"


def test_the_token_is_secret(tmp_path: Path) -> None:
    ctx = load_context(env_for(tmp_path, "push", example("push")))
    assert TOKEN not in repr(ctx)
    assert TOKEN not in str(ctx.model_dump())
    assert ctx.require_token() == TOKEN


def test_a_missing_token_is_asked_for_only_when_needed(tmp_path: Path) -> None:
    ctx = load_context(env_for(tmp_path, "push", example("push"), GITHUB_TOKEN=""))
    with pytest.raises(GitHubEventError) as caught:
        ctx.require_token()
    assert caught.value.hint is not None
    assert "github.token" in caught.value.hint


def test_a_github_enterprise_api_url(tmp_path: Path) -> None:
    env = env_for(tmp_path, "push", example("push"), GITHUB_API_URL="https://ghe.example/api/v3/")
    assert load_context(env).api_url == "https://ghe.example/api/v3"


# -- bad environments and payloads: exit 2, a clear message, no traceback ------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GITHUB_EVENT_NAME": ""}, "GITHUB_EVENT_NAME is not set"),
        ({"GITHUB_EVENT_NAME": "issues; rm -rf /"}, "GITHUB_EVENT_NAME has an unexpected value"),
        ({"GITHUB_REPOSITORY": "nope"}, "GITHUB_REPOSITORY has an unexpected value"),
        ({"GITHUB_API_URL": "file:///etc/passwd"}, "GITHUB_API_URL is not an http"),
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set"),
        ({"GITHUB_EVENT_PATH": "/nonexistent/event.json"}, "cannot read the event payload"),
    ],
)
def test_a_bad_environment(tmp_path: Path, change: dict[str, str], message: str) -> None:
    env = env_for(tmp_path, "push", example("push")) | change
    with pytest.raises(GitHubEventError, match=message) as caught:
        load_context(env)
    assert caught.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"", "not valid JSON"),
    ],
)
def test_a_bad_payload_file(tmp_path: Path, content: bytes, message: str) -> None:
    env = env_for(tmp_path, "push", {})
    Path(env["GITHUB_EVENT_PATH"]).write_bytes(content)
    with pytest.raises(GitHubEventError, match=message):
        load_context(env)


def test_an_oversized_payload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "MAX_PAYLOAD_BYTES", 1000)
    payload = example("push")
    payload["padding"] = "x" * 2000
    with pytest.raises(GitHubEventError, match="larger than 1000 bytes"):
        load_context(env_for(tmp_path, "push", payload))


def _issues_labeled() -> dict[str, Any]:
    return example("issues", "labeled")


def _set(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return payload


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("issue.number", "1", "issue.number: Input should be a valid integer"),
        ("issue.number", True, "issue.number: Input should be a valid integer"),
        ("issue.number", -3, "issue.number: Input should be greater than 0"),
        ("issue.title", 42, "issue.title: Input should be a valid string"),
        ("issue.title", _DELETE, "issue.title: Field required"),
        ("issue.labels", "bug", "issue.labels: Input should be a valid tuple"),
        ("issue.labels", [{"color": "red"}], "issue.labels.0: Input should be a valid string"),
        ("issue.user", _DELETE, "issue.user.login: Field required"),
        ("issue.user.login", "", "issue.user.login: String should have at least 1 character"),
        ("issue", [], "issue: Input should be a valid dictionary"),
        ("sender", "Codertocat", "sender: Input should be a valid dictionary"),
        ("label.name", None, "label.name: Input should be a valid string"),
        ("label", _DELETE, "a issues event without label"),
        ("issue", _DELETE, "a issues event without issue"),
        ("repository.full_name", "a/b/c", "repository.full_name: String should match"),
    ],
)
def test_a_malformed_issues_payload(path: str, value: Any, message: str) -> None:
    payload = _set(_issues_labeled(), path, value)
    with pytest.raises(GitHubEventError, match=message) as caught:
        parse_payload("issues", payload)
    assert caught.value.exit_code == EXIT_USAGE


def test_a_comment_event_needs_its_comment() -> None:
    payload = example("issue_comment", "created")
    payload["comment"]["body"] = None
    with pytest.raises(GitHubEventError, match=r"comment\.body: Input should be a valid string"):
        parse_payload("issue_comment", payload)
    del payload["comment"]
    with pytest.raises(GitHubEventError, match="without comment"):
        parse_payload("issue_comment", payload)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("after", "$(reboot)", "after: String should match pattern"),
        ("after", _DELETE, "a push event without after"),
        ("ref", "main", "not a full ref name"),
        ("deleted", "no", "deleted: Input should be a valid boolean"),
    ],
)
def test_a_malformed_push_payload(path: str, value: Any, message: str) -> None:
    with pytest.raises(GitHubEventError, match=message):
        parse_payload("push", _set(example("push"), path, value))


def test_errors_do_not_echo_untrusted_values() -> None:
    payload = example("workflow_dispatch")
    payload["inputs"] = {"$(curl evil.example)": {"nested": "${{ secrets.TOKEN }}"}}
    with pytest.raises(GitHubEventError) as caught:
        parse_payload("workflow_dispatch", payload)
    text = str(caught.value)
    assert "inputs.[…]: Input should be a valid string" in text
    assert "curl" not in text
    assert "secrets" not in text


def test_many_problems_are_summarised() -> None:
    payload = example("issues", "labeled")
    payload["issue"] = {"labels": [1, 2, 3, 4, 5, 6, 7]}
    with pytest.raises(GitHubEventError, match=r"\(and \d+ more\)"):
        parse_payload("issues", payload)


# -- /ap commands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/ap approve", Command("approve")),
        ("/ap status", Command("status")),
        ("/ap cancel", Command("cancel")),
        ("/ap retry T3", Command("retry", "T3")),
        ("/ap retry T12", Command("retry", "T12")),
        ("/ap retry api-auth_2.v1", Command("retry", "api-auth_2.v1")),
        ("  /ap   retry \t T3  \r\n", Command("retry", "T3")),
        ("\t/ap approve", Command("approve")),
        ("LGTM!\n\n/ap approve\nthanks", Command("approve")),
        ("---\n/ap status", Command("status")),
        ("/ap approve\n/ap cancel", Command("approve")),
    ],
)
def test_commands(body: str, expected: Command) -> None:
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "",
        "approve",
        "/ap",
        "/ap ",
        "/apapprove",
        "/apple pie",
        "/ap Approve",
        "/ap deploy",
        "/ap approve please",
        "/ap approve now\n/ap approve",  # only the first /ap line counts
        "/ap retry",
        "/ap retry T3 T4",
        "/ap retry $(rm -rf /)",
        "/ap retry `id`",
        "/ap retry T3;id",
        "/ap retry T3&&id",
        "/ap retry ${{ secrets.GITHUB_TOKEN }}",
        "/ap retry ${{github.token}}",
        "/ap retry ../T3",
        "/ap retry -T3",
        "/ap retry .T3",
        "/ap retry T3.lock",
        "/ap retry T3..T4",
        "/ap retry integration",
        "/ap retry " + "T" * 65,
        "/ap retry <b>T3</b>",
        "/ap retry T3\u202e",
        "/ap retry T\u200b3",
        "/ap approve\u200b",
        "/ap\u00a0approve",
        "/ap\x00approve",
        "/ap approve\x1b[2J",
        "> /ap approve",
        "`/ap approve`",
        "<!-- /ap approve -->",
        "--- /ap approve",
    ],
)
def test_not_commands(body: str) -> None:
    assert parse_command(body) is None


def test_a_huge_comment_is_parsed_quickly() -> None:
    junk = ("x" * 1000 + "\n") * 1024  # about 1 MB
    start = time.perf_counter()
    assert parse_command(junk) is None
    assert parse_command(junk + "/ap retry T9") == Command("retry", "T9")
    assert parse_command("/ap approve " + "x" * 1_000_000) is None
    assert time.perf_counter() - start < 2
