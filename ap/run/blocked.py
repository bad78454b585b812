"""A blocked worker's scope request, asked by ``ap run`` itself.

A worker that replies ``STATUS=BLOCKED`` with ``REQUESTED_SCOPE_ADDITION`` gets its
request put through ``ap scope request`` at once. When every pattern is granted
(conflict-free: see :mod:`ap.run.scoperequest`), the run continues the objective
in the same run: its worker runs again on its branch, the grant in its scope.
That happens once per objective and run: a second block is a failure (no loop of
requests). When a pattern is refused, the objective fails with the refusal, which
names the objective whose scope it collides with (or the forbid pattern).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ap.core.config import ApConfig
from ap.core.errors import ApError
from ap.core.events import event
from ap.core.models import Event, WorkerReport
from ap.git import Git
from ap.run.response import parse_response, reported_failure
from ap.run.scoperequest import request_scope


@dataclass(frozen=True)
class ScopeAnswer:
    """What became of a blocked worker's request."""

    task: str
    failure: str  # the block, as its failure reason (the worker's own words)
    granted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # each refusal's message

    @property
    def continues(self) -> bool:
        """Everything asked for was granted: the objective goes on with it."""
        return bool(self.granted) and not self.refused

    def reason(self) -> str:
        """The objective's failure reason when it does not continue."""
        return f"{self.failure}; refused: {'; '.join(self.refused)}"

    def event(self) -> Event:
        """Says what the run does about the block."""
        if self.continues:
            said = f"granted {', '.join(self.granted)}; it continues with it in its scope"
        else:
            said = f"scope refused: {'; '.join(self.refused)}; it fails"
        return event(
            "scope_request",
            "execution",
            task=self.task,
            granted=self.granted,
            refused=self.refused,
            continues=self.continues,
            ok=self.continues,
            message=f"{self.task}: blocked — {said}",
        )


def blocked_request(report: WorkerReport) -> tuple[str, ...]:
    """The paths a blocked worker asks for (empty: it is not blocked, or names none)."""
    if report.status != "failed":
        return ()
    said = parse_response(report.response or report.change_summary)
    return said.requested_scope if said.kind == "blocked" else ()


def ask_for_scope(
    git: Git, config: ApConfig, plan_id: str, task: str, report: WorkerReport
) -> ScopeAnswer | None:
    """Put a blocked worker's request through ``ap scope request`` (None: no request)."""
    wanted = blocked_request(report)
    if not wanted:
        return None
    failure = reported_failure(report) or "the worker is blocked"
    why = parse_response(report.response).reason or "the worker is blocked without it"
    answer = ScopeAnswer(task, failure)
    for pattern in wanted:
        try:
            answer.granted.append(request_scope(git, config, plan_id, task, pattern, why).pattern)
        except ApError as exc:
            answer.refused.append(exc.message)
    return answer


def blocked_again(report: WorkerReport) -> str:
    """The failure reason of an objective blocked a second time in one run."""
    said = reported_failure(report) or "the worker is blocked"
    return f"blocked again after its scope was granted (once per run): {said}"
