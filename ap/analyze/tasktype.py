"""The kind of task a request asks for, with the words that say so."""

from __future__ import annotations

import re

from ap.core.models import TaskType

_CUES: dict[TaskType, tuple[str, ...]] = {
    TaskType.BUG: (
        "fix",
        "bug",
        "error",
        "crash",
        "regression",
        "broken",
        "wrong",
        "fail",
        "issue",
        "incorrect",
        "exception",
    ),
    TaskType.REFACTOR: (
        "refactor",
        "rename",
        "move",
        "cleanup",
        "clean",
        "simplify",
        "restructure",
        "extract",
        "reorganize",
        "tidy",
        "drop",
        "deprecate",
    ),
    TaskType.TEST: ("test", "tests", "coverage", "testing", "pytest"),
    TaskType.DOCS: (
        "doc",
        "docs",
        "documentation",
        "readme",
        "typo",
        "changelog",
        "docstring",
        "faq",
        "tutorial",
    ),
    TaskType.RESET: ("revert", "reset", "rollback", "undo"),
}


def classify(request: str) -> tuple[TaskType, list[str]]:
    """The task type of ``request`` and the reasons for it (feature when nothing else fits)."""
    found = re.findall(r"[a-z]+", request.lower())
    first = found[:1]
    scores: dict[TaskType, list[str]] = {}
    for kind, cues in _CUES.items():
        hits = [w for w in found if w in cues]
        if hits:
            scores[kind] = hits
    if not scores:
        return TaskType.FEATURE, ["no bug, refactor, test, docs or revert cue: a feature or change"]
    # The leading verb decides ties ("Fix docs typo" is a bug fix in docs: docs wins on count).
    kind = max(scores, key=lambda k: len(scores[k]) + (1 if scores[k][:1] == first else 0))
    words = ", ".join(dict.fromkeys(scores[kind]))
    return kind, [f"the request says {words}"]
