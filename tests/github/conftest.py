from __future__ import annotations

from collections.abc import Iterator

import pytest

from ap.github.pygithub import PyGithubApi
from tests.github.fake_api import FakeGitHub, serving


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A fake GitHub on 127.0.0.1; fails the test if ap made a request it does not model."""
    with serving() as fake:
        yield fake
    assert fake.unmodelled == [], f"requests the fake does not model: {fake.unmodelled}"


@pytest.fixture
def api(fake_github: FakeGitHub) -> PyGithubApi:
    """The real PyGithub implementation, pointed at the fake."""
    return PyGithubApi(
        fake_github.token, fake_github.repository, base_url=fake_github.base_url, pace=False
    )
