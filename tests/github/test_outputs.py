"""GITHUB_OUTPUT / GITHUB_STEP_SUMMARY, and markdown escaping of untrusted text."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ap.core.text import clean_text
from ap.github import outputs
from ap.github.context import GitHubEventError
from ap.github.outputs import StepOutputs, escape_markdown


def read_outputs(path: Path) -> dict[str, str]:
    """Parse GITHUB_OUTPUT the way the Actions runner does."""
    lines = path.read_text(encoding="utf-8").split("\n")
    values: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            if line:
                name, value = line.split("=", 1)
                values[name] = value
            i += 1
    return values


TRICKY_VALUES = [
    "",
    "one line",
    "two\nlines\n",
    "\n\nleading and trailing newlines\n\n",
    "EOF\nname<<EOF\nplan=evil\nEOF",
    "ghadelimiter_0123\nap_" + "0" * 32 + "\nplan<<ap_deadbeef",
    "unicode: ✓ — 日本語 \U0001f680",
    "${{ secrets.GITHUB_TOKEN }} $(id) `id`",
]


def test_outputs_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "output"
    step = StepOutputs(out, None)
    for i, value in enumerate(TRICKY_VALUES):
        step.set_output(f"value_{i}", value)
    step.set_output("plan-id", "20260101-add-login")
    expected = {f"value_{i}": v for i, v in enumerate(TRICKY_VALUES)}
    assert read_outputs(out) == expected | {"plan-id": "20260101-add-login"}


def test_a_delimiter_found_in_the_value_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = iter(["a" * 32, "b" * 32])
    monkeypatch.setattr(outputs.secrets, "token_hex", lambda _: next(tokens))
    out = tmp_path / "output"
    value = f"before\nap_{'a' * 32}\nafter"
    StepOutputs(out, None).set_output("body", value)
    assert out.read_text().startswith(f"body<<ap_{'b' * 32}\n")
    assert read_outputs(out) == {"body": value}


def test_delimiters_are_random(tmp_path: Path) -> None:
    out = tmp_path / "output"
    StepOutputs(out, None).set_output("a", "x")
    StepOutputs(out, None).set_output("b", "x")
    first, second = (line for line in out.read_text().splitlines() if "<<" in line)
    assert first.split("<<")[1] != second.split("<<")[1]


@pytest.mark.parametrize("name", ["", "1abc", "a b", "a<<b", "a\nb", "a=b", "x" * 101])
def test_output_names_are_checked(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a usable output name"):
        StepOutputs(tmp_path / "output", None).set_output(name, "v")


def test_outside_an_action_nothing_is_written(tmp_path: Path) -> None:
    step = StepOutputs.from_env({})
    step.set_output("plan", "x")
    step.append_summary("# hi")
    assert (step.output, step.summary) == (None, None)
    assert list(tmp_path.iterdir()) == []


def test_from_env_and_summary(tmp_path: Path) -> None:
    env = {"GITHUB_OUTPUT": str(tmp_path / "o"), "GITHUB_STEP_SUMMARY": str(tmp_path / "s")}
    step = StepOutputs.from_env(env)
    step.append_summary("## Plan\n\n| wave | objectives |\n")
    step.append_summary("done")
    assert (tmp_path / "s").read_text() == "## Plan\n\n| wave | objectives |\ndone\n"


def test_an_oversized_summary_is_truncated(tmp_path: Path) -> None:
    step = StepOutputs(None, tmp_path / "s")
    step.append_summary("x" * (outputs.SUMMARY_MAX_CHARS + 10))
    text = (tmp_path / "s").read_text()
    assert len(text) <= outputs.SUMMARY_MAX_CHARS
    assert text.endswith("(summary truncated)\n")


def test_an_unwritable_output_is_an_ap_error(tmp_path: Path) -> None:
    step = StepOutputs(tmp_path / "missing-dir" / "output", None)
    with pytest.raises(GitHubEventError, match="cannot write GITHUB_OUTPUT"):
        step.set_output("plan", "x")


# -- escaping ------------------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_TAG = re.compile(r"<(/?)([a-z0-9]+)[^>]*>")


def rendered(markdown: str) -> tuple[set[str], str]:
    """The tags CommonMark (+ tables, strikethrough) makes of ``markdown``, and its text."""
    out = _MD.render(markdown)
    tags = {m.group(2) for m in _TAG.finditer(out)}
    text = html.unescape(_TAG.sub(" ", out)).replace("\u200b", "")
    return tags, " ".join(text.split())


def words(text: str) -> str:
    return " ".join(clean_text(text).split())


HOSTILE = [
    "$(rm -rf /)",
    "`id` and ``` fenced ```",
    "```\ncode block\n```",
    "${{ secrets.GITHUB_TOKEN }} and ${{github.token}}",
    "---",
    "title\n---\nsetext",
    "title\n===",
    "# heading\n## another",
    "> quoted\n>> twice",
    "- item\n+ item\n* item\n1. item\n2) item",
    "    indented code",
    "\tindented with a tab",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- ap:plan 20260101-add-login -->",
    "<details><summary>x</summary>y</details>",
    "[click](javascript:alert(1)) and ![pixel](https://tracker.example/p.gif)",
    "<https://evil.example> [ref]: https://evil.example",
    "*em* **strong** _em_ __strong__ ~~gone~~",
    "trailing backslash \\\nnext line",
    "&amp; &#64; &lt;b&gt;",
    "hello @octocat and @github/security, see #12 and owner/repo#3",
    "a\u202eb\u2066c\u2069d\u200ee\u200ff\ufeffg\u200bh",
    "bell\x07 escape\x1b[31m red\x1b[0m null\x00 del\x7f",
    "line\r\nbreaks\rold mac\u2028sep\u2029para\x85nel",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_itself(text: str) -> None:
    escaped = escape_markdown(text)
    tags, shown = rendered(escaped)
    assert tags <= {"p", "br"}, escaped
    assert shown == words(text)
    assert "${{" not in escaped
    assert "<" not in escaped
    shown_raw = html.unescape(_MD.render(escaped))  # zero-width spaces kept
    assert not re.search(r"@[A-Za-z0-9]", shown_raw)
    assert not re.search(r"#[0-9]", shown_raw)


@pytest.mark.parametrize("text", HOSTILE)
def test_inline_text_is_one_line(text: str) -> None:
    escaped = escape_markdown(text, inline=True)
    assert "\n" not in escaped
    assert rendered(escaped) == ({"p"}, words(text)) or not words(text)


def test_invisible_characters_are_removed() -> None:
    escaped = escape_markdown("a\u202eb\x1b[0m\x00c\u2066d\ud800e")
    assert not re.search("[\u202e\u2066\x1b\x00\ud800]", escaped)
    assert rendered(escaped)[1] == "ab[0mcde"


def test_mentions_and_references_are_neutralised() -> None:
    _, shown = rendered(escape_markdown("@octocat fixed #12"))
    assert shown == "@octocat fixed #12"  # shown the same, without the zero-width spaces
    assert "@&#8203;octocat" in escape_markdown("@octocat")
    assert "#&#8203;12" in escape_markdown("#12")


def test_a_megabyte_body_is_truncated_with_a_note() -> None:
    body = ("word " * 200 + "\n") * 1050  # about 1 MB
    start = time.perf_counter()
    escaped = escape_markdown(body, limit=4000)
    assert time.perf_counter() - start < 1
    assert escaped.endswith(f"… (truncated: 4000 of {len(body)} characters shown)")
    assert len(escaped) < 4200
    inline = escape_markdown(body, limit=100, inline=True)
    assert "\n" not in inline
    assert inline.endswith("characters shown)")


def test_short_text_has_no_note() -> None:
    assert escape_markdown("plain words") == "plain words"
    assert "truncated" not in escape_markdown("x" * 4000)


@given(st.text(max_size=300))
def test_any_text_renders_as_itself(text: str) -> None:
    escaped = escape_markdown(text)
    tags, shown = rendered(escaped)
    assert tags <= {"p", "br"}
    assert shown == words(text)
    assert "${{" not in escaped
