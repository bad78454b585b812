"""The fake itself: it refuses what it does not model, checks the token, and pages lists."""

from __future__ import annotations

import requests

from tests.github.fake_api import FakeGitHub


def _get(fake: FakeGitHub, path: str, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"token {token or fake.token}"}
    return requests.get(f"{fake.base_url}{path}", headers=headers, timeout=5)


def test_an_unmodelled_request_is_refused_and_listed(fake_github: FakeGitHub) -> None:
    answer = _get(fake_github, "/repos/octo/hello/releases")
    assert answer.status_code == 501
    assert fake_github.unmodelled == ["GET /repos/octo/hello/releases"]
    fake_github.unmodelled.clear()  # expected here; the fixture fails on any other


def test_a_wrong_token_is_refused(fake_github: FakeGitHub) -> None:
    answer = _get(fake_github, "/repos/octo/hello", token="wrong")
    assert answer.status_code == 401
    assert answer.json() == {"message": "Bad credentials"}


def test_lists_are_paged_with_link_headers(fake_github: FakeGitHub) -> None:
    issue = fake_github.add_issue()
    for i in range(5):
        fake_github.add_comment(issue, f"c{i}")
    first = _get(fake_github, f"/repos/octo/hello/issues/{issue}/comments?per_page=2")
    assert [c["body"] for c in first.json()] == ["c0", "c1"]
    assert first.links["next"]["url"].endswith("per_page=2&page=2")
    assert first.links["last"]["url"].endswith("page=3")
    last = requests.get(first.links["last"]["url"], headers=first.request.headers, timeout=5)
    assert [c["body"] for c in last.json()] == ["c4"]
    assert "next" not in last.links


def test_a_job_token_gets_only_its_permissions(fake_github: FakeGitHub) -> None:
    """As GitHub answers a GITHUB_TOKEN whose job lacks the permission."""
    issue = fake_github.add_issue()
    reader = fake_github.mint({"contents": "read"})
    url = f"{fake_github.base_url}/repos/octo/hello/issues/{issue}/comments"
    headers = {"Authorization": f"token {reader}"}
    answer = requests.post(url, json={"body": "hi"}, headers=headers, timeout=5)
    assert answer.status_code == 403
    assert answer.json()["message"] == "Resource not accessible by integration"
    assert _get(fake_github, "/repos/octo/hello", token=reader).status_code == 200  # metadata
    writer = fake_github.mint({"issues": "write"})
    headers = {"Authorization": f"token {writer}"}
    assert requests.post(url, json={"body": "hi"}, headers=headers, timeout=5).status_code == 201
    assert _get(fake_github, f"/repos/octo/hello/issues/{issue}", token=writer).status_code == 200


def test_rest_cannot_take_a_pull_request_out_of_draft(fake_github: FakeGitHub) -> None:
    """GitHub ignores ``draft`` in a REST update; only the GraphQL mutation does it."""
    headers = {"Authorization": f"token {fake_github.token}"}
    base = f"{fake_github.base_url}/repos/octo/hello/pulls"
    body = {"head": "feature", "base": "main", "title": "t", "draft": True}
    number = requests.post(base, json=body, headers=headers, timeout=5).json()["number"]
    edited = requests.patch(f"{base}/{number}", json={"draft": False}, headers=headers, timeout=5)
    assert edited.status_code == 200 and edited.json()["draft"] is True
    mutation = {
        "query": "mutation($input: MarkPullRequestReadyForReviewInput!) "
        "{ markPullRequestReadyForReview(input: $input) { pullRequest { isDraft } } }",
        "variables": {"input": {"pullRequestId": f"PR_{number}"}},
    }
    ready = requests.post(
        f"{fake_github.base_url}/graphql", json=mutation, headers=headers, timeout=5
    )
    assert ready.json()["data"]["markPullRequestReadyForReview"]["pullRequest"]["isDraft"] is False
    assert fake_github.pulls[number]["draft"] is False


def test_a_workflow_dispatch_answers_204_without_a_body(fake_github: FakeGitHub) -> None:
    headers = {"Authorization": f"token {fake_github.token}"}
    url = f"{fake_github.base_url}/repos/octo/hello/actions/workflows/ap.yml/dispatches"
    answer = requests.post(url, json={"ref": "main", "inputs": {}}, headers=headers, timeout=5)
    assert answer.status_code == 204 and answer.content == b""
