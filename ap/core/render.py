"""The one factory for jinja2: templates ship as package data under ap/templates/."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


def mermaid_label(text: str) -> str:
    """Text safe inside a quoted mermaid node label."""
    replacements = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "\n": " ", "\r": " ", "`": "#96;"}
    return "".join(replacements.get(ch, ch) for ch in text)


def md_cell(text: object) -> str:
    """Text safe inside one markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


_INLINE_ESCAPES = {
    **{ch: "\\" + ch for ch in "\\`*_[]#|~!"},
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
}
INLINE_LIMIT = 240


def md_inline(text: object, limit: int = INLINE_LIMIT) -> str:
    """Untrusted text as one line of inert markdown: cleaned (:func:`ap.core.text.clean_text`),
    every run of whitespace one space, clipped to ``limit`` characters, then every
    character markdown or HTML reads escaped, so it opens no heading, link, code span or
    comment (and no ``<!-- ap:... -->`` marker)."""
    from ap.core.text import for_terminal

    flat = " ".join("".join(c if c.isprintable() else " " for c in for_terminal(str(text))).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return "".join(_INLINE_ESCAPES.get(ch, ch) for ch in flat)


def md_code(text: object) -> str:
    """Inline code that no backtick in ``text`` can break out of."""
    value = str(text).replace("\n", " ")
    fence = "`"
    while fence in value:
        fence += "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    try:  # compiled templates kept between runs, in a private per-user folder (jinja's own)
        bytecode: jinja2.BytecodeCache | None = jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        bytecode = None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ap", "templates"),
        bytecode_cache=bytecode,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # markdown and plain text, not HTML
    )
    env.filters["mermaid"] = mermaid_label
    env.filters["cell"] = md_cell
    env.filters["code"] = md_code
    env.filters["line"] = md_inline
    return env


def render(template_name: str, **context: Any) -> str:
    """Render a packaged template; the result ends with exactly one newline."""
    text = environment().get_template(template_name).render(**context)
    return text.rstrip("\n") + "\n"
