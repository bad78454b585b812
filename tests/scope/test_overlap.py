from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap.scope import covers, find_conflicts, overlap, scopes_overlap
from tests.scope.oracle import GitIgnoreOracle, all_paths
from tests.scope.strategies import patterns

# Patterns with at most 2 named segments (2 segments, or 1 with a trailing `/`, which
# adds one), each of at most 2 tokens over {a, b, A, ., *, ?, classes}: a shortest
# common path then has at most 3 segments (one pattern's named segments plus what
# the other adds after a `**`) of at most 2 characters, each choosable from
# {a, b, x, A, .} (x serves every negated class). So this enumeration is complete.
UNIVERSE = all_paths("abxA.", max_segment_len=2, max_depth=3)
SMALL = st.one_of(
    patterns(max_segments=2, max_tokens=2, dir_only=False),
    patterns(max_segments=1, max_tokens=2),
)


def brute_force(a: str, b: str, case_sensitive: bool) -> str | None:
    return next(
        (
            p
            for p in UNIVERSE
            if covers(a, p, case_sensitive=case_sensitive)
            and covers(b, p, case_sensitive=case_sensitive)
        ),
        None,
    )


@settings(max_examples=120, deadline=None)
@given(
    a=SMALL,
    b=SMALL,
    case_sensitive=st.booleans(),
)
def test_overlap_agrees_with_brute_force(a: str, b: str, case_sensitive: bool) -> None:
    witness = overlap(a, b, case_sensitive=case_sensitive)
    common = brute_force(a, b, case_sensitive)
    assert (witness is None) == (common is None), (witness, common)
    if witness is not None:
        assert covers(a, witness, case_sensitive=case_sensitive)
        assert covers(b, witness, case_sensitive=case_sensitive)
        assert overlap(b, a, case_sensitive=case_sensitive) is not None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=patterns(), b=patterns())
def test_every_witness_is_covered_according_to_git(
    tmp_path_factory: pytest.TempPathFactory, a: str, b: str
) -> None:
    witness = overlap(a, b)
    if witness is None:
        return
    oracle = GitIgnoreOracle(tmp_path_factory.mktemp("w"))
    assert oracle.covered(a, [witness], case_sensitive=False) == [True]
    assert oracle.covered(b, [witness], case_sensitive=False) == [True]
    segments = witness.split("/")
    assert "" not in segments and "." not in segments and ".." not in segments


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("src/", "src/auth/jwt.py", "src/auth/jwt.py"),
        ("src/auth", "src/auth/", "src/auth/x"),
        ("README.md", "readme.md", "readme.md"),
        ("src/a*", "src/b*", None),
        ("docs/", "src/", None),
        ("**/*.py", "src/app.py", "src/app.py"),
        ("*.py", "src/app.py", None),
        ("src/**/test_*.py", "src/auth/", "src/auth/test_.py"),
    ],
)
def test_overlap_examples(a: str, b: str, expected: str | None) -> None:
    assert overlap(a, b) == expected


def test_case_sensitive_overlap() -> None:
    assert overlap("README.md", "readme.md", case_sensitive=True) is None


def test_scopes_overlap_names_patterns() -> None:
    assert scopes_overlap(["docs/"], ["src/", "docs/a.md"]) == ("docs/", "docs/a.md", "docs/a.md")
    assert scopes_overlap(["docs/"], ["src/"]) is None


def naive_conflicts(scopes: dict[str, list[str]]) -> set[tuple[str, str]]:
    keys = list(scopes)
    return {
        (a, b)
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
        if scopes_overlap(scopes[a], scopes[b]) is not None
    }


def test_find_conflicts_equals_naive_pairwise() -> None:
    rng = random.Random(7)
    parts = ["src", "lib", "docs", "tests", "auth", "api", "*.py", "a*", "**", "x.md"]
    for _ in range(40):
        scopes = {
            f"T{n}": [
                "/".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
                + rng.choice(["", "/"])
                for _ in range(rng.randint(1, 3))
            ]
            for n in range(8)
        }
        found = find_conflicts(scopes)
        assert {(a, b) for a, b, _ in found} == naive_conflicts(scopes)
        for a, b, witness in found:
            assert any(covers(p, witness) for p in scopes[a])
            assert any(covers(p, witness) for p in scopes[b])


def test_deep_witnesses_below_directory_patterns() -> None:
    assert overlap("**/aa/", "a/a") == "a/a/aa/x"
    assert overlap("a*/**/b/", "ac/d/") == "ac/d/b/x"
    assert overlap("src/**/", "src/x.py") == "src/x.py/x"  # if x.py were a directory
