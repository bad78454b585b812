"""The GitHub operations ap needs, as a protocol, with plain values (docs/DESIGN.md §9).

Handlers depend on :class:`GitHubApi` only; :mod:`ap.github.pygithub` implements
it with PyGithub, and tests point that implementation at a local HTTP fake.
Every method is idempotent where GitHub allows it, because every step of the
Action may run twice. Failures raise :class:`GitHubError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from ap.core.errors import ApError
from ap.core.ids import is_valid_id

Permission = Literal["admin", "maintain", "write", "triage", "read", "none"]
CommitState = Literal["error", "failure", "pending", "success"]

# Highest first: GitHub's repository roles, each including the ones below it.
PERMISSIONS: tuple[Permission, ...] = ("admin", "maintain", "write", "triage", "read", "none")


class GitHubError(ApError):
    """A GitHub API call failed (exit 2): bad token, missing permission, not found, outage."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    author: str


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str
    url: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    head: str
    base: str
    title: str
    body: str
    draft: bool
    url: str


class GitHubApi(Protocol):
    """What ap does on GitHub, in one repository."""

    def default_branch(self) -> str:
        """The repository's default branch (where plans' draft PRs point)."""
        ...

    def get_issue(self, number: int) -> Issue:
        """Issue ``number`` (its title and body are untrusted text)."""
        ...

    def add_label(self, number: int, label: str) -> None:
        """Put ``label`` on issue or PR ``number``; already there is fine."""
        ...

    def remove_label(self, number: int, label: str) -> None:
        """Take ``label`` off issue or PR ``number``; already absent is fine."""
        ...

    def upsert_status_comment(self, number: int, plan_id: str, body: str) -> Comment:
        """The one status comment of ``plan_id`` on issue ``number``: created once, then edited.

        ``body`` is stored after the plan's hidden marker line (:func:`status_marker`).
        """
        ...

    def find_pull_request(self, head: str) -> PullRequest | None:
        """The open pull request from branch ``head`` of this repository, if any."""
        ...

    def ensure_draft_pull_request(
        self, *, head: str, base: str, title: str, body: str
    ) -> PullRequest:
        """A draft PR ``head`` → ``base``; when one is open for ``head``, its title and body
        are updated instead of opening a second one."""
        ...

    def mark_ready_for_review(self, number: int) -> None:
        """Take pull request ``number`` out of draft; already ready is fine."""
        ...

    def permission(self, login: str) -> Permission:
        """``login``'s role on the repository; ``"none"`` for an unknown user."""
        ...

    def set_commit_status(
        self,
        sha: str,
        state: CommitState,
        *,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        """Set the status ``context`` of commit ``sha`` (a later call replaces it)."""
        ...

    def commit_status(self, sha: str, *, context: str) -> CommitState | None:
        """The latest state of status ``context`` on commit ``sha``, or None when it has none."""
        ...

    def comment(self, number: int, body: str) -> Comment:
        """A new comment on issue ``number`` (for a one-off answer, such as a refusal)."""
        ...

    def dispatch_workflow(self, workflow: str, *, ref: str, inputs: Mapping[str, str]) -> None:
        """Start ``workflow`` (a file name under .github/workflows/) on ``ref`` with ``inputs``."""
        ...


def has_permission(actual: Permission, required: Permission) -> bool:
    """Whether the role ``actual`` includes ``required`` (``maintain`` includes ``write``)."""
    return PERMISSIONS.index(actual) <= PERMISSIONS.index(required)


def status_marker(plan_id: str) -> str:
    """The hidden first line that identifies the status comment of ``plan_id``."""
    if not is_valid_id(plan_id):
        raise GitHubError(
            f"{plan_id!r} is not a plan id; no status comment can be keyed on it",
            hint="plan ids look like 20261125-add-jwt-auth; `ap list` shows them",
        )
    return f"<!-- ap:plan {plan_id} -->"


def status_comment_body(plan_id: str, body: str) -> str:
    """``body`` behind the marker line of ``plan_id``, as stored on GitHub."""
    return f"{status_marker(plan_id)}\n{body}"


def is_status_comment(comment: Comment, plan_id: str, *, author: str | None = None) -> bool:
    """Whether ``comment`` is ``plan_id``'s status comment (written by ``author`` if given).

    Only the first line counts, so a comment that merely quotes the marker is not one.
    """
    first_line = comment.body.split("\n", 1)[0].strip()
    return first_line == status_marker(plan_id) and author in (None, comment.author)
