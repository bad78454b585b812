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
