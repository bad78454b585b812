"""A local HTTP fake of the GitHub REST endpoints ap uses, for PyGithub's ``base_url``.

One repository, in memory: issues with labels and comments, pull requests
(REST, plus the one GraphQL mutation that marks a PR ready), collaborator
permissions, commit statuses and workflow dispatches. Every request is
recorded. A request it does not model is answered 501 and listed in
``unmodelled``, which the ``fake_github`` fixture asserts empty: the fake fails
loudly instead of guessing.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

STAMP = "2026-01-01T00:00:00Z"
WEB = "https://github.example"
LEGACY_PERMISSION = {"maintain": "write", "triage": "read"}


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    message: str
    delay: float = 0.0


class Reply(Exception):
    """Raised by a route to answer with ``status`` and a GitHub-style error body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, **extra}


Route = Callable[..., tuple[int, Any]]


@dataclass
class FakeGitHub:
    """GitHub for one repository, served on 127.0.0.1 at a random port."""

    repository: str = "octo/hello"
    token: str = "fake-token"
    default_branch: str = "main"
    actor: str = "github-actions[bot]"
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)  # login -> role name
    custom_roles: dict[str, str] = field(default_factory=dict)  # role name -> base role
    statuses: list[dict[str, Any]] = field(default_factory=list)
    workflows: set[str] = field(default_factory=lambda: {"ap.yml"})
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    unmodelled: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Job tokens (as GITHUB_TOKEN is): token -> {scope: "read"|"write"}; ``token`` has all.
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = iter(range(1000, 10**9))
        self._numbers = iter(range(1, 10**6))
        self._server: _Server | None = None
        repo = rf"/repos/{re.escape(self.repository)}"
        # (method, path, route, the job-token permission GitHub requires for it)
        table: list[tuple[str, str, Route, str]] = [
            ("GET", "", self._get_repo, "metadata"),
            ("GET", r"/issues/(\d+)", self._get_issue, "issues:read"),
            ("POST", r"/issues/(\d+)/labels", self._add_labels, "issues:write"),
            ("DELETE", r"/issues/(\d+)/labels/([^/]+)", self._remove_label, "issues:write"),
            ("GET", r"/issues/(\d+)/comments", self._list_comments, "issues:read"),
            ("POST", r"/issues/(\d+)/comments", self._create_comment, "issues:write"),
            ("PATCH", r"/issues/comments/(\d+)", self._edit_comment, "issues:write"),
            ("GET", r"/pulls", self._list_pulls, "pull-requests:read"),
            ("POST", r"/pulls", self._create_pull, "pull-requests:write"),
            ("GET", r"/pulls/(\d+)", self._get_pull, "pull-requests:read"),
            ("PATCH", r"/pulls/(\d+)", self._edit_pull, "pull-requests:write"),
            ("GET", r"/collaborators/([^/]+)/permission", self._permission, "metadata"),
            ("POST", r"/statuses/([0-9a-f]+)", self._create_status, "statuses:write"),
            ("GET", r"/commits/([0-9a-f]+)/status", self._combined_status, "statuses:read"),
            ("POST", r"/actions/workflows/([^/]+)/dispatches", self._dispatch, "actions:write"),
        ]
        self._routes = [(m, re.compile(f"^{repo}{p}$"), fn, need) for m, p, fn, need in table]
        self._routes.append(
            ("POST", re.compile("^/graphql$"), self._graphql, "pull-requests:write")
        )

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the fake is not serving"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGitHub:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- arranging state ---------------------------------------------------

    def add_issue(
        self, title: str = "Add a feature", body: str = "", labels: tuple[str, ...] = (), **kw: Any
    ) -> int:
        number = next(self._numbers)
        self.issues[number] = {
            "title": title,
            "body": body,
            "labels": list(labels),
            "author": kw.get("author", "octocat"),
        }
        return number

    def add_comment(self, issue: int, body: str, author: str = "octocat") -> int:
        comment_id = next(self._ids)
        self.comments[comment_id] = {"issue": issue, "body": body, "author": author}
        return comment_id

    def fail_next(
        self, method: str, path: str, status: int, message: str = "Boom", delay: float = 0.0
    ) -> None:
        """Answer the next ``method`` request whose path matches the regex ``path`` with an error
        (after ``delay`` seconds)."""
        self.failures.append(Failure(method, re.compile(path), status, message, delay))

    def writes(self) -> list[Recorded]:
        """The recorded requests that change something (all but GET)."""
        return [r for r in self.requests if r.method != "GET"]

    def comments_on(self, issue: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == issue]

    # -- serving -------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Any, body: Any) -> tuple[int, Any, dict]:
        url = urlsplit(target)
        path, query = unquote(url.path), parse_qs(url.query)
        with self._lock:
            self.requests.append(Recorded(method, path, query, body))
            failure = self._take_failure(method, path)
        if failure is not None:
            time.sleep(failure.delay)
            return failure.status, {"message": failure.message}, {}
        auth = headers.get("Authorization", "")
        token = auth.split(" ", 1)[-1] if auth.startswith(("token ", "Bearer ")) else ""
        if token != self.token and token not in self.tokens:
            return 401, {"message": "Bad credentials"}, {}
        for route_method, pattern, route, need in self._routes:
            match = pattern.match(url.path)
            if route_method == method and match:
                if not self._allowed(token, need):
                    return 403, {"message": "Resource not accessible by integration"}, {}
                args = [unquote(g) for g in match.groups()]
                with self._lock:
                    try:
                        status, data = route(*args, query=query, body=body)
                    except Reply as reply:
                        return reply.status, reply.body, {}
                    except Exception as exc:  # a bug in the fake: fail the test, not the socket
                        self.unmodelled.append(f"{method} {target} crashed the fake: {exc!r}")
                        return 500, {"message": f"the fake crashed: {exc!r}"}, {}
                if method == "GET" and isinstance(data, list):
                    return self._page(url.path, query, data)
                return status, data, {}
        self.unmodelled.append(f"{method} {target}")
        return 501, {"message": f"the fake does not model {method} {path}"}, {}

    def mint(self, permissions: dict[str, str]) -> str:
        """A job token with ``permissions`` (as a workflow job's ``permissions:``)."""
        token = f"ghs_job{next(self._ids)}"
        self.tokens[token] = dict(permissions)
        return token

    def _allowed(self, token: str, need: str) -> bool:
        """What GitHub grants a job token: write includes read; metadata is always readable."""
        if token == self.token or need == "metadata":
            return True
        scope, level = need.split(":")
        granted = self.tokens[token].get(scope, "none")
        return granted == "write" or (granted == "read" and level == "read")

    def _take_failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.method == method and failure.path.search(path):
                self.failures.remove(failure)
                return failure
        return None

    def _page(
        self, path: str, query: dict[str, list[str]], items: list[Any]
    ) -> tuple[int, Any, dict]:
        """One page of ``items`` (``per_page``, ``page``), with GitHub's ``Link`` header."""
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        links = []
        for rel, number in (("next", page + 1), ("last", last)):
            if page < last:
                params = {k: v[0] for k, v in query.items()} | {"page": str(number)}
                links.append(f'<{self.base_url}{path}?{urlencode(params)}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, items[(page - 1) * per_page : page * per_page], headers

    # -- JSON shapes PyGithub reads -------------------------------------------

    def _api(self, path: str) -> str:
        return f"{self.base_url}/repos/{self.repository}{path}"

    def _user(self, login: str) -> dict[str, Any]:
        kind = "Bot" if login.endswith("[bot]") else "User"
        return {"login": login, "id": abs(hash(login)) % 10**6, "type": kind}

    def _repo_json(self) -> dict[str, Any]:
        owner, name = self.repository.split("/")
        return {
            "id": 1,
            "name": name,
            "full_name": self.repository,
            "owner": self._user(owner),
            "private": False,
            "default_branch": self.default_branch,
            "url": self._api(""),
            "html_url": f"{WEB}/{self.repository}",
        }

    def _label(self, name: str) -> dict[str, Any]:
        return {"name": name, "color": "ededed", "url": self._api(f"/labels/{name}")}

    def _issue_json(self, number: int) -> dict[str, Any]:
        issue = self.issues[number]
        return {
            "id": number,
            "number": number,
            "title": issue["title"],
            "body": issue["body"],
            "state": "open",
            "labels": [self._label(n) for n in issue["labels"]],
            "user": self._user(issue["author"]),
            "url": self._api(f"/issues/{number}"),
            "html_url": f"{WEB}/{self.repository}/issues/{number}",
            "created_at": STAMP,
        }

    def _comment_json(self, comment_id: int) -> dict[str, Any]:
        comment = self.comments[comment_id]
        return {
            "id": comment_id,
            "body": comment["body"],
            "user": self._user(comment["author"]),
            "url": self._api(f"/issues/comments/{comment_id}"),
            "html_url": f"{WEB}/{self.repository}/issues/{comment['issue']}"
            f"#issuecomment-{comment_id}",
            "issue_url": self._api(f"/issues/{comment['issue']}"),
            "created_at": STAMP,
            "updated_at": STAMP,
        }

    def _pull_json(self, number: int) -> dict[str, Any]:
        pull = self.pulls[number]
        owner = self.repository.split("/")[0]

        def ref(name: str) -> dict[str, Any]:
            return {"ref": name, "label": f"{owner}:{name}", "repo": self._repo_json()}

        return {
            "id": number,
            "node_id": f"PR_{number}",
            "number": number,
            "title": pull["title"],
            "body": pull["body"],
            "state": pull["state"],
            "draft": pull["draft"],
            "head": ref(pull["head"]),
            "base": ref(pull["base"]),
            "user": self._user(self.actor),
            "url": self._api(f"/pulls/{number}"),
            "html_url": f"{WEB}/{self.repository}/pull/{number}",
            "created_at": STAMP,
        }

    # -- routes ----------------------------------------------------------------

    def _issue(self, number: str) -> int:
        if int(number) not in self.issues:
            raise Reply(404, "Not Found")
        return int(number)

    def _get_repo(self, **_: Any) -> tuple[int, Any]:
        return 200, self._repo_json()

    def _get_issue(self, number: str, **_: Any) -> tuple[int, Any]:
        return 200, self._issue_json(self._issue(number))

    def _add_labels(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        issue = self.issues[self._issue(number)]
        names = body.get("labels") if isinstance(body, dict) else body
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise Reply(422, "Invalid request.")
        issue["labels"].extend(n for n in names if n not in issue["labels"])
        return 200, [self._label(n) for n in issue["labels"]]

    def _remove_label(self, number: str, name: str, **_: Any) -> tuple[int, Any]:
        issue = self.issues[self._issue(number)]
        if name not in issue["labels"]:
            raise Reply(404, "Label does not exist")
        issue["labels"].remove(name)
        return 200, [self._label(n) for n in issue["labels"]]

    def _list_comments(self, number: str, **_: Any) -> tuple[int, Any]:
        issue = self._issue(number)
        return 200, [self._comment_json(i) for i, c in self.comments.items() if c["issue"] == issue]

    def _create_comment(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        issue = self._issue(number)
        text = _field(body, "body")
        return 201, self._comment_json(self.add_comment(issue, text, self.actor))

    def _edit_comment(self, comment_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        if int(comment_id) not in self.comments:
            raise Reply(404, "Not Found")
        self.comments[int(comment_id)]["body"] = _field(body, "body")
        return 200, self._comment_json(int(comment_id))

    def _list_pulls(self, query: dict[str, list[str]], **_: Any) -> tuple[int, Any]:
        state = query.get("state", ["open"])[0]
        head = query.get("head", [None])[0]
        owner = self.repository.split("/")[0]
        found = [
            self._pull_json(n)
            for n, p in self.pulls.items()
            if state in ("all", p["state"]) and head in (None, f"{owner}:{p['head']}")
        ]
        return 200, found

    def _create_pull(self, body: Any, **_: Any) -> tuple[int, Any]:
        head, base, title = (_field(body, k) for k in ("head", "base", "title"))
        if head == base:
            raise Reply(422, "Validation Failed", errors=[{"message": "head and base are equal"}])
        for p in self.pulls.values():
            if p["state"] == "open" and (p["head"], p["base"]) == (head, base):
                message = (
                    f"A pull request already exists for {self.repository.split('/')[0]}:{head}."
                )
                raise Reply(422, "Validation Failed", errors=[{"message": message}])
        number = next(self._numbers)
        self.pulls[number] = {
            "head": head,
            "base": base,
            "title": title,
            "body": body.get("body") or "",
            "draft": bool(body.get("draft", False)),
            "state": "open",
        }
        return 201, self._pull_json(number)

    def _pull_number(self, number: str) -> int:
        if int(number) not in self.pulls:
            raise Reply(404, "Not Found")
        return int(number)

    def _get_pull(self, number: str, **_: Any) -> tuple[int, Any]:
        return 200, self._pull_json(self._pull_number(number))

    def _edit_pull(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        pull = self.pulls[self._pull_number(number)]
        for key in ("title", "body", "base", "state"):
            if isinstance(body, dict) and key in body:
                pull[key] = _field(body, key)
        return 200, self._pull_json(int(number))

    def _graphql(self, body: Any, **_: Any) -> tuple[int, Any]:
        query = _field(body, "query")
        if "markPullRequestReadyForReview" not in query:
            raise Reply(501, "the fake models only the markPullRequestReadyForReview mutation")
        node = body.get("variables", {}).get("input", {}).get("pullRequestId")
        for number, pull in self.pulls.items():
            if f"PR_{number}" == node:
                pull["draft"] = False
                result = {"clientMutationId": None, "pullRequest": {"isDraft": False}}
                return 200, {"data": {"markPullRequestReadyForReview": result}}
        message = f"Could not resolve to a node with the global id of '{node}'"
        return 200, {"errors": [{"type": "NOT_FOUND", "message": message}]}

    def _permission(self, login: str, **_: Any) -> tuple[int, Any]:
        role = self.permissions.get(login)
        if role is None:
            raise Reply(404, "Not Found")
        base = self.custom_roles.get(role, role)
        legacy = LEGACY_PERMISSION.get(base, base)
        return 200, {"permission": legacy, "role_name": role, "user": self._user(login)}

    def _create_status(self, sha: str, body: Any, **_: Any) -> tuple[int, Any]:
        state = _field(body, "state")
        if state not in ("error", "failure", "pending", "success"):
            raise Reply(422, "Validation Failed", errors=[{"message": f"bad state {state}"}])
        description = body.get("description")
        if isinstance(description, str) and len(description) > 140:
            raise Reply(422, "Validation Failed", errors=[{"message": "description is too long"}])
        status = {"sha": sha, **body, "id": next(self._ids), "created_at": STAMP}
        self.statuses.append(status)
        return 201, status

    def _combined_status(self, sha: str, **_: Any) -> tuple[int, Any]:
        """GitHub's combined status: the latest status of each context, newest first."""
        latest: dict[str, dict[str, Any]] = {}
        for status in self.statuses:
            if status["sha"] == sha:
                latest[status["context"]] = status
        statuses = list(reversed(latest.values()))
        states = {s["state"] for s in statuses}
        state = (
            "failure"
            if states & {"failure", "error"}
            else "pending"
            if "pending" in states or not states
            else "success"
        )
        return 200, {
            "state": state,
            "sha": sha,
            "total_count": len(statuses),
            "statuses": [
                {
                    "state": s["state"],
                    "context": s["context"],
                    "description": s.get("description"),
                    "id": s["id"],
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
                for s in statuses
            ],
            "repository": self._repo_json(),
            "url": self._api(f"/commits/{sha}/status"),
        }

    def _dispatch(self, workflow: str, body: Any, **_: Any) -> tuple[int, Any]:
        if workflow not in self.workflows:
            raise Reply(404, "Not Found")
        ref = _field(body, "ref")
        self.dispatches.append({"workflow": workflow, "ref": ref, "inputs": body.get("inputs", {})})
        return 204, None


def _field(body: Any, key: str) -> str:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, str):
        raise Reply(422, "Invalid request.", errors=[{"message": f"{key} is missing"}])
    return value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about a client that timed out and hung up; loud about anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        assert isinstance(self.server, _Server)
        fake = self.server.fake
        status, data, extra = fake.handle(self.command, self.path, self.headers, body)
        payload = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()


@contextmanager
def serving(fake: FakeGitHub | None = None) -> Iterator[FakeGitHub]:
    """A started fake, stopped on exit."""
    fake = (fake or FakeGitHub()).start()
    try:
        yield fake
    finally:
        fake.stop()
