from __future__ import annotations

import pytest

from ap.core.errors import ScopeError
from ap.scope import parse_pattern


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("/", "empty"),
        ("   ", "whitespace"),
        (" src/", "whitespace"),
        ("src/ ", "whitespace"),
        ("!src/", "negation"),
        ("src/./x", "`.` segment"),
        ("src/../x", "`..` segment"),
        ("..", "`..` segment"),
        ("src//x", "empty path segment"),
        ("src\\x", "backslash"),
        ("src/\tx", "control character"),
        ("src/\x7fx", "control character"),
        ("src/\x85x", "control character"),
        ("cafe\u0301/", "NFC"),
        (".git/config", ".git"),
        (".GIT/hooks/", ".git"),
        ("src/[ab", "unterminated"),
        ("src/[[:alpha:]]", "POSIX"),
        ("a**/b", "whole path segment"),
        ("src/**.py", "whole path segment"),
        ("src/x**", "whole path segment"),
    ],
)
def test_rejections_name_the_pattern(text: str, reason: str) -> None:
    with pytest.raises(ScopeError) as info:
        parse_pattern(text)
    assert repr(text) in info.value.message
    assert reason in info.value.message


def test_normalisation() -> None:
    assert parse_pattern("/src/auth").text == "src/auth"
    assert parse_pattern("src/auth/").dir_only
    assert parse_pattern("src/a*/x").literal_prefix == "src/a"
    assert parse_pattern(".git/", allow_git_dir=True).dir_only
    assert parse_pattern(".github/workflows/").text == ".github/workflows/"
