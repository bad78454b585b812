"""The script worker: applies a YAML recipe of file edits, deterministically.

    python -m ap.run.scriptworker RECIPE

Run like any worker (docs/DESIGN.md §10): in the objective's worktree, with ``AP_TASK``
and ``AP_REPORT_PATH`` in the environment. The recipe maps task ids to steps::

    T1:
      - write: src/auth/jwt.py        # create or replace
        content: "def issue(user): ..."
      - append: CHANGELOG.md
        content: "- tokens\\n"
      - replace: src/app.py
        old: "VERSION = 1"
        new: "VERSION = 2"
      - delete: src/old.py
      - sleep: 2                      # seconds (benchmarks, timeouts)
      - fail: "why"                   # exit 1 after the steps before it
      - summary:                      # the Change Summary's fields, as a worker writes them
          What changed: "jwt.py issues tokens"
          Proposed commit: "feat(auth): issue tokens"
          Tests: "..."
          Lint: "..."
          Limitations: "..."

It writes the objective's report (with a ``### Change Summary``: the ``summary`` step's
fields, or else the list of steps applied) and exits 0.
For tests and ``ap demo``; it never runs git.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def _target(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if root.resolve() not in path.parents:
        raise SystemExit(f"script worker: {rel!r} is outside the worktree")
    return path


def apply(root: Path, steps: list[dict[str, Any]]) -> list[str]:
    """Apply the steps in ``root``; the summary lines."""
    done: list[str] = []
    for step in steps:
        if "write" in step:
            path = _target(root, step["write"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(step.get("content", "")), encoding="utf-8")
            done.append(f"- wrote {step['write']}")
        elif "append" in step:
            path = _target(root, step["append"])
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(str(step.get("content", "")))
            done.append(f"- appended to {step['append']}")
        elif "replace" in step:
            path = _target(root, step["replace"])
            text = path.read_text(encoding="utf-8")
            if step["old"] not in text:
                raise SystemExit(f"script worker: {step['old']!r} not found in {step['replace']}")
            path.write_text(text.replace(step["old"], step["new"], 1), encoding="utf-8")
            done.append(f"- edited {step['replace']}")
        elif "delete" in step:
            _target(root, step["delete"]).unlink()
            done.append(f"- deleted {step['delete']}")
        elif "sleep" in step:
            time.sleep(float(step["sleep"]))
        elif "summary" in step:
            pass  # what the report says, not an edit (see main)
        elif "fail" in step:
            print(f"script worker: {step['fail']}", file=sys.stderr)
            raise SystemExit(1)
        else:
            raise SystemExit(f"script worker: unknown step {step!r}")
    return done


def summary_fields(steps: list[dict[str, Any]]) -> list[str]:
    """The Change Summary lines the ``summary`` steps give (``- Label: text``), each on one
    line: a recipe's text cannot start a section of its own."""
    lines: list[str] = []
    for step in steps:
        fields = step.get("summary")
        if isinstance(fields, dict):
            lines += [f"- {_one_line(k)}: {_one_line(v)}" for k, v in fields.items()]
    return lines


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def main(argv: list[str]) -> int:
    import yaml

    if len(argv) != 1:
        print("usage: python -m ap.run.scriptworker RECIPE", file=sys.stderr)
        return 2
    recipe = yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8")) or {}
    task = os.environ.get("AP_TASK", "")
    steps = recipe.get(task)
    if not isinstance(steps, list):
        print(f"script worker: the recipe has no steps for {task!r}", file=sys.stderr)
        return 1
    root = Path.cwd()
    sys.stdin.read()  # the prompt: a script needs none, but a worker reads what it is given
    summary = apply(root, steps)
    report = os.environ.get("AP_REPORT_PATH")
    if report:
        path = _target(root, report)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "\n".join(summary_fields(steps) or summary) or "- no change"
        path.write_text(f"Applied the recipe of {task}.\n\n### Change Summary\n{body}\n")
    print(f"script worker: {task}: {len(summary)} step(s) applied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
