"""Hostile input to the scope algebra: refused at parse with a clear error, or handled.

Exit 3 means a bug in ap, so no text a plan or a change can carry may crash the
matcher, the overlap search or the conflict graph.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ap.core.errors import ScopeError
from ap.plan.graph import conflict_graph
from ap.scope import ScopeMatcher, covers, find_conflicts, overlap, parse_pattern
from ap.scope.automaton import automaton_covers, needs_automaton
from ap.scope.pattern import pattern_regex
from tests.scope.oracle import GitIgnoreOracle, all_paths
from tests.scope.strategies import paths, patterns

DEEP = "/".join(["a"] * 5000)
DEEP_B = DEEP + "/b"


class Spec:
    def __init__(self, id: str, scope_touch: list[str]) -> None:
        self.id = id
        self.scope_touch = scope_touch


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/!x", "negation"),
        ("/ x", "whitespace"),
        ("/\u00a0x", "whitespace"),
        ("/x ", "whitespace"),
        ("//", "empty"),
        ("/\ud800x", "surrogate"),
        ("a\udfff", "surrogate"),
    ],
)
def test_rules_apply_after_the_leading_slash(text: str, reason: str) -> None:
    with pytest.raises(ScopeError) as info:
        parse_pattern(text)
    assert repr(text) in info.value.message  # quoted as the user wrote it
    assert reason in info.value.message


@pytest.mark.parametrize("text", ["/!x", "/ x"])
def test_conflict_graph_refuses_with_the_pattern_as_written(text: str) -> None:
    with pytest.raises(ScopeError) as info:
        conflict_graph([Spec("T1", [text]), Spec("T2", ["*"])])
    assert repr(text) in info.value.message
    with pytest.raises(ScopeError, match=re.escape(repr(text))):
        find_conflicts({"T1": ["src/"], "T2": [text]})


def test_patterns_too_long_for_any_checkout_are_refused() -> None:
    with pytest.raises(ScopeError, match=r"'aaaa.*\.\.\. \(5000 characters\) is rejected: longer"):
        parse_pattern("a" * 5000)
    with pytest.raises(ScopeError, match="a path segment longer than 255 characters"):
        parse_pattern("src/" + "b" * 256)
    parse_pattern("/".join(["a" * 255] * 4))  # 1023 characters: the limits are inclusive


def test_the_longest_patterns_are_compared_at_once() -> None:
    """The overlap search is quadratic: at the length limits it still answers promptly."""
    stars_a, stars_b = "*" + "a*" * 127, "*" + "b*" * 127
    assert overlap(stars_a, stars_b) is not None
    deep_a = "/".join(["**/a"] * 204)
    assert overlap(deep_a, "/".join(["**/b"] * 204)) is not None
    assert find_conflicts({"T1": [stars_a, deep_a], "T2": [stars_b + "/x"]})


def test_top_of_unicode_is_indexed_like_any_character() -> None:
    top = "a\U0010ffff"
    assert overlap("a*", top) == top
    assert find_conflicts({"T1": ["a*"], "T2": [top]}) == [("T1", "T2", top)]
    assert find_conflicts({"T1": [top + "/"], "T2": [top + "\U0010ffff"]}) == []
    assert find_conflicts({"T1": [top], "T2": [top + "/x"]}) == [("T1", "T2", top + "/x")]


def test_witnesses_never_hold_a_surrogate() -> None:
    # The class spans the surrogates; a witness made of one could not be written as UTF-8.
    witness = overlap("a[\ud7ff-\ue000]", "a[!\ud7ff]")
    assert witness == "a\ue000"
    assert overlap("a[\ud7ff-\ue000]", "a[!\ud7ff\ue000]") is None


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("a/", DEEP, True),
        ("x/", DEEP, False),
        ("a/a", DEEP, True),
        ("**/b", DEEP, False),
        ("**/b", DEEP_B, True),
        ("**/a/**/b", DEEP, False),
        ("**/a/**/a/**/b", DEEP, False),
        ("**/a/**/a/**/b", DEEP_B, True),
        ("**/a/**/a/**/a/**/a/**/c", DEEP_B, False),
        ("**/*a*a*a*b", DEEP, False),
        ("**/a*/a*/a*/b", DEEP, False),
    ],
)
def test_paths_of_thousands_of_segments(pattern: str, path: str, expected: bool) -> None:
    """No recursion and no exponential backtracking: each answer comes at once."""
    assert covers(pattern, path) is expected
    matcher = ScopeMatcher([pattern, "other/"])
    assert matcher.covers(path) is expected
    assert (matcher.covering(path) == pattern) is expected


def test_a_long_segment_against_many_stars() -> None:
    assert not covers("*a*a*a*a*a*b", "a" * 50_000)
    assert covers("*a*a*a*a*a*b", "a" * 50_000 + "b")


@settings(max_examples=300, deadline=None)
@given(
    pattern=patterns(max_segments=5, max_tokens=4),
    batch=st.lists(paths(max_depth=6), min_size=1, max_size=20),
    case_sensitive=st.booleans(),
)
def test_the_automaton_decides_what_the_regex_decides(
    pattern: str, batch: list[str], case_sensitive: bool
) -> None:
    parsed = parse_pattern(pattern)
    regex = re.compile(pattern_regex(parsed, case_sensitive), re.DOTALL)
    for path in batch:
        expected = regex.fullmatch(path) is not None
        assert automaton_covers(parsed, path, case_sensitive) is expected, path


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [("?", "\udc80", False), ("[!a]", "\udc80", False), ("*", "\udc80", True)],
)
def test_both_engines_agree_on_paths_git_could_not_decode(
    pattern: str, path: str, expected: bool
) -> None:
    """A surrogate (a byte that is not UTF-8) is no character a class or `?` matches."""
    parsed = parse_pattern(pattern)
    regex = re.compile(pattern_regex(parsed, False), re.DOTALL)
    assert (regex.fullmatch(path) is not None) is expected
    assert automaton_covers(parsed, path, False) is expected


def test_which_patterns_need_the_automaton() -> None:
    assert not needs_automaton(parse_pattern("src/**/*.py"))
    assert needs_automaton(parse_pattern("src/**/tests/**/*.py"))
    assert needs_automaton(parse_pattern("src/*_*.py"))


# Glob syntax, separators, whitespace, controls, combining marks, and the top of Unicode.
HOSTILE_CHARS = st.one_of(
    st.sampled_from([*"ab/*?[]!^-.\\ \t\n", "**", "\u0301", "\u00a0", "\x7f"]),
    st.characters(min_codepoint=0x10FF00, max_codepoint=0x10FFFF),
    st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010),
    st.characters(),
)
HOSTILE_TEXT = st.lists(HOSTILE_CHARS, max_size=12).map("".join)


def _accepted(text: str) -> bool:
    try:
        parsed = parse_pattern(text)
    except ScopeError as exc:
        assert exc.message.startswith(f"scope pattern {text!r} is rejected: ")
        return False
    assert parse_pattern(parsed.text).elements == parsed.elements  # its body parses the same
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(HOSTILE_TEXT, min_size=2, max_size=4),
    probes=st.lists(HOSTILE_TEXT, max_size=5),
    case_sensitive=st.booleans(),
)
def test_any_text_is_refused_at_parse_or_handled(
    texts: list[str], probes: list[str], case_sensitive: bool
) -> None:
    accepted = [t for t in texts if _accepted(t)]
    for a in accepted:
        for b in accepted:
            witness = overlap(a, b, case_sensitive=case_sensitive)
            if witness is not None:  # the witness is a real path both cover
                assert covers(a, witness, case_sensitive=case_sensitive)
                assert covers(b, witness, case_sensitive=case_sensitive)
                witness.encode("utf-8")
        matcher = ScopeMatcher(accepted, case_sensitive=case_sensitive)
        for path in (p for p in probes if "" not in p.split("/")):  # as git names paths
            assert matcher.covers(path) == any(
                covers(p, path, case_sensitive=case_sensitive) for p in accepted
            )
    scopes = {f"T{n}": [t] for n, t in enumerate(accepted)}
    found = find_conflicts(scopes, case_sensitive=case_sensitive)
    for x, y, witness in found:
        assert covers(scopes[x][0], witness, case_sensitive=case_sensitive)
        assert covers(scopes[y][0], witness, case_sensitive=case_sensitive)
    expected = {
        (x, y)
        for x in scopes
        for y in scopes
        if x < y and overlap(scopes[x][0], scopes[y][0], case_sensitive=case_sensitive)
    }
    assert {(x, y) for x, y, _ in found} == expected  # the prefix index misses no pair
    conflict_graph([Spec(k, v) for k, v in scopes.items()], case_sensitive=case_sensitive)


# -- the top of Unicode against the oracles ---------------------------------------

TOP, BELOW_TOP = "\U0010ffff", "\U0010fffe"
# Classes and `?` are matched per character by ap, per byte by git: those are only
# compared with brute force; against git, literals and stars (which agree).
TOP_TOKENS = ["a", "*", "?", TOP, f"[{BELOW_TOP}-{TOP}]", f"[!{TOP}]", f"[a-{TOP}]"]
TOP_LITERALS = ["a", "*", TOP, BELOW_TOP + TOP, "\u00e9"]
TOP_UNIVERSE = all_paths("ax" + BELOW_TOP + TOP, max_segment_len=2, max_depth=3)
TOP_SMALL = st.one_of(
    patterns(max_segments=2, max_tokens=2, dir_only=False, alphabet=TOP_TOKENS),
    patterns(max_segments=1, max_tokens=2, alphabet=TOP_TOKENS),
)


@settings(max_examples=120, deadline=None)
@given(a=TOP_SMALL, b=TOP_SMALL, case_sensitive=st.booleans())
def test_overlap_at_the_top_of_unicode_agrees_with_brute_force(
    a: str, b: str, case_sensitive: bool
) -> None:
    """Every character a witness needs is a, x (anything else), U+10FFFE or U+10FFFF."""
    witness = overlap(a, b, case_sensitive=case_sensitive)
    common = next(
        (
            p
            for p in TOP_UNIVERSE
            if covers(a, p, case_sensitive=case_sensitive)
            and covers(b, p, case_sensitive=case_sensitive)
        ),
        None,
    )
    assert (witness is None) == (common is None), (witness, common)
    assert find_conflicts({"T1": [a], "T2": [b]}, case_sensitive=case_sensitive) == (
        [] if witness is None else [("T1", "T2", witness)]
    )


@pytest.fixture(scope="module")
def git_oracle(tmp_path_factory: pytest.TempPathFactory) -> GitIgnoreOracle:
    return GitIgnoreOracle(tmp_path_factory.mktemp("oracle"))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pattern=patterns(alphabet=TOP_LITERALS),
    batch=st.lists(
        st.lists(
            st.sampled_from(["a", TOP, "a" + TOP, BELOW_TOP + TOP, "\u00e9", "\u00e9a"]),
            min_size=1,
            max_size=4,
        ).map("/".join),
        min_size=10,
        max_size=20,
        unique=True,
    ),
    case_sensitive=st.booleans(),
)
def test_covers_at_the_top_of_unicode_agrees_with_git(
    git_oracle: GitIgnoreOracle, pattern: str, batch: list[str], case_sensitive: bool
) -> None:
    expected = git_oracle.covered(pattern, batch, case_sensitive=case_sensitive)
    assert [covers(pattern, p, case_sensitive=case_sensitive) for p in batch] == expected
