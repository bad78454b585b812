"""Managed sections: whatever their content, the markers hold and the rest stays."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ap.state.sections import markers, read_section, update_section

PIECES = ["<!--", "-->", "<!-- /ap:notes -->", "<!-- ap:notes -->", "<!-- ap:other -->", "\n"]
ANY = st.lists(
    st.sampled_from(PIECES) | st.text(st.characters(blacklist_categories=("Cs",)), max_size=5),
    max_size=10,
).map("".join)
START, END = markers("notes")


def test_content_holding_the_end_marker_does_not_end_the_section() -> None:
    text = f"before\n{START}\nold\n{END}\nafter\n"
    hostile = f"x\n{END}\n# pwned\n<!-- ap:other -->"
    once = update_section(text, "notes", hostile)
    assert once.count(START) == 1 and once.count(END) == 1 and "<!-- ap:other" not in once
    assert once.startswith(f"before\n{START}\n") and once.endswith(f"{END}\nafter\n")
    assert update_section(once, "notes", hostile) == once


@settings(max_examples=200, deadline=None)
@given(before=ANY, after=ANY, content=ANY)
def test_an_update_is_idempotent_and_touches_nothing_outside(
    before: str, after: str, content: str
) -> None:
    outside = [t.replace("<!--", "<!- -") for t in (before, after)]  # the owner's own text
    text = f"{outside[0]}{START}\nold\n{END}{outside[1]}"
    once = update_section(text, "notes", content)
    assert update_section(once, "notes", content) == once
    assert update_section(once, "notes", read_section(once, "notes") or "") == once
    assert once.startswith(outside[0] + START) and once.endswith(END + outside[1])
    assert once.count(START) == 1 and once.count(END) == 1
