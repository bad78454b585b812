from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap.scope import ScopeMatcher, covers
from tests.scope.oracle import GitIgnoreOracle
from tests.scope.strategies import paths, patterns


@pytest.fixture(scope="module")
def git_oracle(tmp_path_factory: pytest.TempPathFactory) -> GitIgnoreOracle:
    return GitIgnoreOracle(tmp_path_factory.mktemp("oracle"))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pattern=patterns(),
    batch=st.lists(paths(), min_size=20, max_size=40, unique=True),
    case_sensitive=st.booleans(),
)
def test_covers_agrees_with_git(
    git_oracle: GitIgnoreOracle, pattern: str, batch: list[str], case_sensitive: bool
) -> None:
    """Thousands of (pattern, path) cases: ap's covering is git's ignore matching."""
    expected = git_oracle.covered(pattern, batch, case_sensitive=case_sensitive)
    actual = [covers(pattern, p, case_sensitive=case_sensitive) for p in batch]
    assert actual == expected, [
        (p, a, e) for p, a, e in zip(batch, actual, expected, strict=True) if a != e
    ]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/auth", "src/auth/jwt.py", True),
        ("src/auth/", "src/auth/jwt.py", True),
        ("/src/auth", "src/auth/jwt.py", True),
        ("src/auth/", "src/auth", False),
        ("src/auth", "src/authx.py", False),
        ("*.py", "setup.py", True),
        ("*.py", "src/setup.py", False),
        ("**/*.py", "src/deep/setup.py", True),
        ("src/**/test_*.py", "src/test_a.py", True),
        ("src/**/test_*.py", "src/a/b/test_a.py", True),
        ("src/**", "src", False),
        ("src/**", "src/a", True),
        ("README.md", "readme.md", True),
    ],
)
def test_covers_examples(pattern: str, path: str, expected: bool) -> None:
    assert covers(pattern, path) is expected


def test_case_sensitive_mode() -> None:
    assert not covers("README.md", "readme.md", case_sensitive=True)
    assert covers("[A-C]x", "bx") and not covers("[A-C]x", "bx", case_sensitive=True)


def test_scope_matcher_matches_each_pattern() -> None:
    matcher = ScopeMatcher(["src/auth/", "*.md", "tests/test_auth*.py"])
    assert matcher.covers("src/auth/jwt.py") and matcher.covers("README.md")
    assert matcher.covering("tests/test_auth_jwt.py") == "tests/test_auth*.py"
    assert matcher.covering("src/api/x.py") is None
    assert not ScopeMatcher([]).covers("anything")


def test_upper_case_class_member_folds_unlike_git() -> None:
    """git's wildmatch folds only the path inside a class; ap folds both sides."""
    assert covers("[R]EADME.md", "readme.md")
    assert not covers("[R]EADME.md", "readme.md", case_sensitive=True)


@settings(max_examples=200, deadline=None)
@given(
    scope=st.lists(
        st.one_of(patterns(), st.sampled_from(["a", "a/", "A/b", "b/a/", "ab", "a/b/"])),
        max_size=5,
    ),
    batch=st.lists(paths(), min_size=1, max_size=20),
    case_sensitive=st.booleans(),
)
def test_matcher_equals_its_patterns_one_by_one(
    scope: list[str], batch: list[str], case_sensitive: bool
) -> None:
    """The literal fast path and the glob regex together decide what each pattern decides."""
    matcher = ScopeMatcher(scope, case_sensitive=case_sensitive)
    for path in batch:
        expected = [p for p in scope if covers(p, path, case_sensitive=case_sensitive)]
        assert matcher.covers(path) == bool(expected), path
        hit = matcher.covering(path)
        assert (hit is None) == (not expected)
        assert hit is None or covers(hit, path, case_sensitive=case_sensitive)
