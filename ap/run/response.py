"""The AP response a worker ends its work with (docs/DESIGN.md §4), parsed once for everyone.

Three forms: a ``### Change Summary`` (what changed, the proposed Conventional
Commit, tests and lint, limitations), a ``### Failure Report`` (what blocked the
worker), or ``STATUS=BLOCKED`` with ``REQUESTED_SCOPE_ADDITION=<paths>`` (the
worker needs paths outside its scope). The text is the worker's: data only, every
field comes out as one line of plain text, never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ap.core.models import WorkerReport

REASON_LIMIT = 300

CHANGE_SUMMARY = re.compile(r"(?m)^#{2,3} Change Summary\s*$")
FAILURE_REPORT = re.compile(r"(?mi)^#{1,3} Failure Report\s*$")
_SECTION_END = re.compile(r"(?m)^#{1,3} ")
_BLOCKED = re.compile(r"(?mi)^[\W_]*STATUS\s*[=:]\s*BLOCKED\b")
_REQUESTED = re.compile(r"(?mi)^[\W_]*REQUESTED_SCOPE_ADDITION\s*[=:]\s*(.*)$")
_REASON = re.compile(r"(?mi)^[\W_]*(?:REASON|BLOCKED_REASON)\s*[=:]\s*(.+)$")
_FIELD = re.compile(r"^[-*\s]*\**([A-Za-z][A-Za-z /&-]{1,40}?)\**\s*:\s*(.*)$")

# A Change Summary's fields, by the words their labels start with.
_FIELDS = {
    "what changed": "changed",
    "changed": "changed",
    "changes": "changed",
    "proposed commit": "commit",
    "commit": "commit",
    "conventional commit": "commit",
    "tests": "tests",
    "lint": "lint",
    "tests/lint": "tests",
    "limitations": "limitations",
    "known limitations": "limitations",
}

Kind = Literal["summary", "failure", "blocked", "none"]


@dataclass(frozen=True)
class Response:
    """What a worker's response says."""

    kind: Kind
    change_summary: str = ""  # the section's text, as written
    fields: dict[str, str] = field(default_factory=dict)  # changed, commit, tests, lint, ...
    reason: str = ""  # a failure's or a block's reason, one line
    requested_scope: tuple[str, ...] = ()  # what a blocked worker asks for

    @property
    def failed(self) -> bool:
        """The worker did not finish: a Failure Report or a block."""
        return self.kind in ("failure", "blocked")

    def failure_reason(self) -> str:
        """The objective's failure reason, quoting the worker's own words."""
        if self.kind == "blocked":
            wanted = ", ".join(self.requested_scope) or "nothing named"
            said = f": {self.reason}" if self.reason else ""
            return f"the worker is blocked, it requests scope {wanted}{said}"
        if self.kind == "failure":
            said = f": {self.reason}" if self.reason else " (it gave no reason)"
            return f"the worker reported failure{said}"
        return ""


def parse_response(text: str) -> Response:
    """Parse an AP response; ``kind`` is ``none`` when the text is no AP response."""
    if _BLOCKED.search(text):
        return _blocked(text)
    failure = FAILURE_REPORT.search(text)
    if failure is not None:
        return Response("failure", reason=_first_paragraph(_section(text, failure.end())))
    summary = CHANGE_SUMMARY.search(text)
    if summary is not None:
        body = _section(text, summary.end()).strip()
        return Response("summary", change_summary=body, fields=_fields(body))
    return Response("none")


def response_start(text: str) -> int | None:
    """Where the AP response begins in a worker's output (None: there is none).

    Its first heading or ``KEY=`` line: what a worker printed before is chatter, kept in
    its log only.
    """
    found = [
        m.start()
        for pattern in (CHANGE_SUMMARY, FAILURE_REPORT, _BLOCKED, _REQUESTED, _REASON)
        if (m := pattern.search(text)) is not None
    ]
    if parse_response(text).kind == "none" or not found:
        return None
    return min(found)


def _blocked(text: str) -> Response:
    found = _REQUESTED.search(text)
    wanted = found.group(1) if found else ""
    patterns = tuple(p for p in (_one_line(x) for x in re.split(r"[,\s]+", wanted)) if p)
    said = _REASON.search(text)
    failure = FAILURE_REPORT.search(text)
    reason = (
        _one_line(said.group(1))
        if said
        else (_first_paragraph(_section(text, failure.end())) if failure else "")
    )
    return Response("blocked", reason=_clip(reason), requested_scope=patterns)


def _section(text: str, start: int) -> str:
    """The text from ``start`` to the next heading (or the end)."""
    end = _SECTION_END.search(text, start)
    return text[start : end.start() if end else len(text)]


def _first_paragraph(body: str) -> str:
    """The section's first paragraph as one line: the worker's own reason."""
    lines: list[str] = []
    for line in body.strip().splitlines():
        if not line.strip():
            if lines:
                break
            continue
        lines.append(re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", line))
    return _clip(_one_line(" ".join(lines)))


def _fields(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in body.splitlines():
        match = _FIELD.match(line)
        if match is None:
            continue
        name = _FIELDS.get(" ".join(match.group(1).lower().split()))
        if name is not None and name not in found:
            found[name] = _one_line(match.group(2).strip("`* "))
    return found


def _one_line(text: str) -> str:
    """Every kind of line break and control character becomes a single space."""
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(cleaned.split())


def _clip(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def reported_failure(report: WorkerReport) -> str | None:
    """Why the worker says it failed, in its own words (None: it did not)."""
    if report.status != "failed":
        return None
    said = parse_response(report.response or report.change_summary)
    return said.failure_reason() or "the worker reported failure"
