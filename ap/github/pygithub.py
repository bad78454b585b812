"""The :class:`~ap.github.api.GitHubApi` of ap, implemented with PyGithub.

PyGithub (and requests under it) is imported only when an instance is built.
Objects are fetched lazily, so a write costs one request; retries are off and
the timeout short, because a failed Action step is re-run as a whole. Every
PyGithub or network exception leaves as a :class:`GitHubError` with a hint; the
token is handed to PyGithub and kept nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ap.github.api import (
    PERMISSIONS,
    Comment,
    CommitState,
    GitHubError,
    Issue,
    Permission,
    PullRequest,
    is_status_comment,
    status_comment_body,
)

if TYPE_CHECKING:
    from github.GithubException import GithubException
    from github.IssueComment import IssueComment
    from github.PullRequest import PullRequest as GhPullRequest

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = "analytic-programming (ap)"

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# GitHub logins, and the "name[bot]" form of apps.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_WORKFLOW = re.compile(r"^[A-Za-z0-9_.-]+\.ya?ml$")
_STATUS_DESCRIPTION_MAX = 140  # GitHub refuses longer descriptions

_TOKEN_HINT = (
    "pass a valid token as GITHUB_TOKEN (in a workflow: `GITHUB_TOKEN: ${{ github.token }}`)"
)


class PyGithubApi:
    """GitHub operations on ``repository`` ("owner/name") through PyGithub.

    ``base_url`` is the REST API root (``https://HOST/api/v3`` for GitHub
    Enterprise Server, a local fake in tests). ``pace`` keeps PyGithub's pause
    between requests, which GitHub asks integrations to observe.
    ``status_comment_author``, when given, is the only author whose comments
    are taken for ap's status comments (e.g. ``github-actions[bot]``).
    """

    def __init__(
        self,
        token: str,
        repository: str,
        *,
        base_url: str = DEFAULT_API_URL,
        timeout: int = 10,
        pace: bool = True,
        status_comment_author: str | None = None,
    ) -> None:
        if not token:
            raise GitHubError("no GitHub token was given", hint=_TOKEN_HINT)
        if not _REPOSITORY.match(repository):
            raise GitHubError(
                f"{repository!r} is not a repository name of the form owner/name",
                hint="GITHUB_REPOSITORY is owner/name, e.g. octo-org/shop",
            )
        from github import Auth, Github

        self.repository = repository
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.status_comment_author = status_comment_author
        self._github = Github(
            auth=Auth.Token(token),
            base_url=self.base_url,
            timeout=timeout,
            retry=None,
            lazy=True,
            user_agent=USER_AGENT,
            per_page=100,
            seconds_between_requests=0.25 if pace else None,
            seconds_between_writes=1.0 if pace else None,
        )
        self._repo = self._github.get_repo(repository)

    def __repr__(self) -> str:
        return f"PyGithubApi({self.repository!r}, base_url={self.base_url!r})"

    @contextmanager
    def _calling(self, action: str, forbidden_hint: str) -> Iterator[None]:
        """Turn PyGithub's and the network's exceptions during ``action`` into GitHubError."""
        import requests
        from github import BadAttributeException, GithubException

        try:
            yield
        except GithubException as exc:
            raise _api_error(exc, action, forbidden_hint) from exc
        except BadAttributeException as exc:
            raise GitHubError(
                f"GitHub's answer while trying to {action} has a field of an unexpected type",
                hint="check that GITHUB_API_URL points at a GitHub REST API",
            ) from exc
        except requests.Timeout as exc:
            raise GitHubError(
                f"GitHub did not answer within {self.timeout}s while trying to {action}",
                hint="run the job again; check GITHUB_API_URL if it keeps happening",
            ) from exc
        except requests.RequestException as exc:
            raise GitHubError(
                f"cannot reach GitHub at {self.base_url} to {action} ({type(exc).__name__})",
                hint="check GITHUB_API_URL and the runner's network",
            ) from exc

    def default_branch(self) -> str:
        with self._calling("read the repository", _permission_hint("contents: read")):
            return self._repo.default_branch

    def get_issue(self, number: int) -> Issue:
        with self._calling(f"read issue #{number}", _permission_hint("issues: read")):
            issue = self._repo.get_issue(number)
            return Issue(
                number=issue.number,
                title=issue.title,
                body=issue.body or "",
                labels=tuple(label.name for label in issue.labels),
                author=issue.user.login,
            )

    def add_label(self, number: int, label: str) -> None:
        with self._calling(f"label #{number} {label!r}", _permission_hint("issues: write")):
            self._repo.get_issue(number).add_to_labels(label)

    def remove_label(self, number: int, label: str) -> None:
        from github import GithubException

        with self._calling(f"unlabel #{number} {label!r}", _permission_hint("issues: write")):
            try:
                self._repo.get_issue(number).remove_from_labels(label)
            except GithubException as exc:
                if (exc.status, _message(exc)) != (404, "Label does not exist"):
                    raise

    def upsert_status_comment(self, number: int, plan_id: str, body: str) -> Comment:
        text = status_comment_body(plan_id, body)
        author = self.status_comment_author
        with self._calling(f"comment on issue #{number}", _permission_hint("issues: write")):
            issue = self._repo.get_issue(number)
            for raw in issue.get_comments():
                if is_status_comment(_comment(raw), plan_id, author=author):
                    if raw.body != text:
                        raw.edit(text)
                    return _comment(raw)
            return _comment(issue.create_comment(text))

    def _open_pull(self, head: str) -> GhPullRequest | None:
        owner = self.repository.split("/", 1)[0]
        return next(iter(self._repo.get_pulls(state="open", head=f"{owner}:{head}")), None)

    def find_pull_request(self, head: str) -> PullRequest | None:
        with self._calling(f"look for a pull request from {head}", _PULLS_HINT):
            raw = self._open_pull(head)
            return None if raw is None else _pull(raw)

    def ensure_draft_pull_request(
        self, *, head: str, base: str, title: str, body: str
    ) -> PullRequest:
        with self._calling(f"open a draft pull request from {head}", _PULLS_HINT):
            raw = self._open_pull(head)
            if raw is None:
                raw = self._repo.create_pull(base, head, title=title, body=body, draft=True)
            elif (raw.title, raw.body or "", raw.base.ref) != (title, body, base):
                raw.edit(title=title, body=body, base=base)
            return _pull(raw)

    def mark_ready_for_review(self, number: int) -> None:
        with self._calling(f"mark pull request #{number} ready for review", _PULLS_HINT):
            raw = self._repo.get_pull(number)
            if raw.draft:
                raw.mark_ready_for_review()

    def permission(self, login: str) -> Permission:
        from github import UnknownObjectException

        if not _LOGIN.match(login):
            return "none"
        with self._calling(f"read {login}'s permission", _permission_hint("contents: read")):
            try:
                role = self._repo.get_collaborator_role_name(login)
                if role not in PERMISSIONS:  # a custom role: fall back to its base permission
                    role = self._repo.get_collaborator_permission(login)
            except UnknownObjectException:
                return "none"
        return _as_permission(role)

    def set_commit_status(
        self,
        sha: str,
        state: CommitState,
        *,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        if not _SHA.match(sha):
            raise GitHubError(
                f"{sha!r} is not a full commit id", hint="`git rev-parse REV` gives the full id"
            )
        extra = {} if target_url is None else {"target_url": target_url}
        with self._calling(f"set status {context!r} on {sha[:12]}", _STATUSES_HINT):
            self._repo.get_commit(sha).create_status(
                state,
                description=_shorten(description, _STATUS_DESCRIPTION_MAX),
                context=context,
                **extra,
            )

    def commit_status(self, sha: str, *, context: str) -> CommitState | None:
        if not _SHA.match(sha):
            raise GitHubError(f"{sha!r} is not a full commit id", hint=_SHA_HINT)
        with self._calling(f"read the statuses of {sha[:12]}", _READ_STATUSES_HINT):
            combined = self._repo.get_commit(sha).get_combined_status()
            for status in combined.statuses:
                if status.context == context and status.state in _STATES:
                    return _STATES[status.state]
        return None

    def comment(self, number: int, body: str) -> Comment:
        with self._calling(f"comment on issue #{number}", _permission_hint("issues: write")):
            return _comment(self._repo.get_issue(number).create_comment(body))

    def dispatch_workflow(self, workflow: str, *, ref: str, inputs: Mapping[str, str]) -> None:
        if not _WORKFLOW.match(workflow):
            raise GitHubError(
                f"{workflow!r} is not a workflow file name",
                hint="name the file under .github/workflows/, e.g. ap.yml",
            )
        with self._calling(f"start workflow {workflow} on {ref}", _DISPATCH_HINT):
            self._repo.get_workflow(workflow).create_dispatch(ref, dict(inputs), throw=True)


def _permission_hint(permission: str) -> str:
    return f"give the workflow job `permissions: {permission}` (or use a token that has it)"


_PULLS_HINT = (
    "give the workflow job `permissions: pull-requests: write` and `contents: write`, and allow "
    "GitHub Actions to create pull requests (Settings → Actions → General)"
)
_STATUSES_HINT = _permission_hint("statuses: write")
_SHA_HINT = "give the full commit id (40 or 64 hexadecimal digits)"
_READ_STATUSES_HINT = _permission_hint("statuses: read")
_STATES: dict[str, CommitState] = {
    "error": "error",
    "failure": "failure",
    "pending": "pending",
    "success": "success",
}
_DISPATCH_HINT = (
    f"{_permission_hint('actions: write')}; the workflow must have a `workflow_dispatch:` trigger"
)


def _message(exc: GithubException) -> str:
    """GitHub's one-line message in an error response, shortened."""
    data = exc.data
    message = data.get("message") if isinstance(data, dict) else None
    text = message if isinstance(message, str) else ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list):
        details = [e.get("message") or e.get("code") for e in errors if isinstance(e, dict)]
        text = "; ".join([text, *(str(d) for d in details if d)]).strip("; ")
    return _shorten(" ".join(text.split()), 300)


def _api_error(exc: GithubException, action: str, forbidden_hint: str) -> GitHubError:
    from github import BadCredentialsException, RateLimitExceededException

    status = exc.status
    said = f"{status}: {_message(exc)}" if _message(exc) else str(status)
    if isinstance(exc, BadCredentialsException) or status == 401:
        return GitHubError(
            f"GitHub rejected the token while trying to {action} ({said})",
            status=status,
            hint=_TOKEN_HINT,
        )
    if isinstance(exc, RateLimitExceededException) or status == 429:
        return GitHubError(
            f"GitHub's rate limit stopped an attempt to {action} ({said})",
            status=status,
            hint="run the job again later",
        )
    if status == 403:
        return GitHubError(
            f"GitHub refused to {action} ({said})", status=status, hint=forbidden_hint
        )
    if status == 404:
        return GitHubError(
            f"GitHub found nothing to {action} ({said})",
            status=status,
            hint="check the repository, the number or name, and that the token can see them",
        )
    if status >= 500:
        return GitHubError(
            f"GitHub failed to {action} ({said})", status=status, hint="run the job again"
        )
    return GitHubError(
        f"GitHub could not {action} ({said})",
        status=status,
        hint="GitHub's message says why; fix the request or the repository's settings",
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_permission(role: str) -> Permission:
    for permission in PERMISSIONS:
        if role == permission:
            return permission
    return "none"


def _comment(raw: IssueComment) -> Comment:
    return Comment(
        id=raw.id, body=raw.body or "", author=raw.user.login if raw.user else "", url=raw.html_url
    )


def _pull(raw: GhPullRequest) -> PullRequest:
    return PullRequest(
        number=raw.number,
        head=raw.head.ref,
        base=raw.base.ref,
        title=raw.title,
        body=raw.body or "",
        draft=bool(raw.draft),
        url=raw.html_url,
    )
