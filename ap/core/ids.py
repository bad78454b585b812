"""Artifact ids and the branch names built from them (docs/DESIGN.md §3, §6).

Light on purpose: the pre-commit hook imports it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_ID_RE = re.compile(r"^[0-9]{8}-[a-z0-9]+(?:-[a-z0-9]+)*$")
INTEGRATION = "integration"
# The folders of the state dir (docs/ by default) that hold ap's artifacts.
STATE_FOLDERS = ("analyses", "plans", "accomplishments", "sessions")


def is_valid_id(artifact_id: str) -> bool:
    """Whether ``artifact_id`` has the shape ap gives ids (and is safe in a branch name)."""
    return bool(_ID_RE.match(artifact_id)) and len(artifact_id) <= 80


class Branches(NamedTuple):
    """``<prefix><plan>/integration`` holds the plan; ``<prefix><plan>/<task>`` an objective."""

    prefix: str = "ap/"

    def integration(self, plan_id: str) -> str:
        return f"{self.prefix}{plan_id}/{INTEGRATION}"

    def objective(self, plan_id: str, task: str) -> str:
        return f"{self.prefix}{plan_id}/{task}"

    def parse(self, branch: str | None) -> tuple[str, str] | None:
        """``(plan id, task or "integration")`` when ``branch`` is one of a plan's branches."""
        if not branch or not branch.startswith(self.prefix):
            return None
        plan_id, sep, task = branch[len(self.prefix) :].partition("/")
        if not sep or not task or "/" in task or not is_valid_id(plan_id):
            return None
        return plan_id, task

    def parse_objective(self, branch: str | None) -> tuple[str, str] | None:
        """``(plan id, task)`` when ``branch`` is an objective branch."""
        parsed = self.parse(branch)
        return parsed if parsed is not None and parsed[1] != INTEGRATION else None


def plan_relpath(state_dir: str, plan_id: str) -> str:
    """Where a plan lives in the repository."""
    return f"{state_dir}/plans/PLAN_{plan_id}.md"


def report_relpath(state_dir: str, plan_id: str, task: str) -> str:
    """Where an objective's worker report lives: the one path it may write besides its scope."""
    return f"{state_dir}/sessions/{plan_id}/{task}.md"
