from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from ap.core.errors import ScopeError
from ap.scope import parse_pattern

# No single upper-case letter inside a class: git folds only the path side there, so
# `[A]` matches nothing under core.ignorecase — a quirk ap does not copy (`[A]` covers a).
TOKENS = ["a", "b", "A", ".", "*", "?", "[ab]", "[!a]", "[a-b]", "[A-B]", "[^b]"]


def segment(max_tokens: int, alphabet: list[str] = TOKENS) -> st.SearchStrategy[str]:
    tokens = st.lists(st.sampled_from(alphabet), min_size=1, max_size=max_tokens).map("".join)
    return st.one_of(tokens, tokens, tokens, st.just("**"))


@st.composite
def patterns(
    draw: st.DrawFn,
    max_segments: int = 3,
    max_tokens: int = 3,
    *,
    dir_only: bool = True,
    alphabet: list[str] = TOKENS,
) -> str:
    segs = draw(st.lists(segment(max_tokens, alphabet), min_size=1, max_size=max_segments))
    text = ("/" if draw(st.booleans()) else "") + "/".join(segs)
    text += "/" if dir_only and draw(st.booleans()) else ""
    try:
        parse_pattern(text)
    except ScopeError:
        assume(False)
    return text


PATH_SEGMENTS = ["a", "b", "A", "B", "ab", "ba", ".a", "x", "aa", "a.b", "AB"]


def paths(max_depth: int = 4) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(PATH_SEGMENTS), min_size=1, max_size=max_depth).map("/".join)
