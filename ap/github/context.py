"""The Action's context: environment variables and the event payload, validated.

A payload is untrusted data (anyone can open an issue): it is parsed into the
few typed fields ap uses, and anything missing or of the wrong type is a
:class:`GitHubEventError` (exit 2) that names the field, never a traceback.
Also here: the parser of ``/ap`` comment commands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from ap.core.errors import ApError

DEFAULT_API_URL = "https://api.github.com"
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB

_EVENT_NAME = re.compile(r"^[a-z_]{1,64}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_API_URL = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_HEADS = "refs/heads/"

# The payload fields each event must carry for ap to act on it.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "issues": ("issue", "sender"),
    "issue_comment": ("issue", "comment", "sender"),
    "push": ("ref", "after"),
    "workflow_dispatch": ("ref",),
}


class GitHubEventError(ApError):
    """The Action's environment or event payload cannot be used (exit 2)."""


_EVENT_HINT = (
    "run `ap github handle` inside a GitHub Action: GITHUB_EVENT_PATH names the event "
    "payload the runner writes"
)


class _Payload(BaseModel):
    # Payloads carry hundreds of fields ap does not read; the ones it reads are strict.
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Actor(_Payload):
    login: str = Field(min_length=1)


class Label(_Payload):
    name: str


class RepositoryInfo(_Payload):
    full_name: str = Field(pattern=_REPOSITORY.pattern)
    default_branch: str = Field(min_length=1)


class IssueInfo(_Payload):
    """An issue (or a pull request seen as an issue); ``title`` and ``body`` are untrusted."""

    number: int = Field(gt=0)
    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    author: str = Field(validation_alias=AliasPath("user", "login"), min_length=1)
    is_pull_request: bool = Field(default=False, validation_alias="pull_request")

    @field_validator("body", mode="before")
    @classmethod
    def _no_body(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("labels", mode="before")
    @classmethod
    def _label_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(v.get("name") if isinstance(v, dict) else v for v in value)
        return value

    @field_validator("is_pull_request", mode="before")
    @classmethod
    def _pull_request(cls, value: Any) -> bool:
        return value is not None


class CommentInfo(_Payload):
    """An issue comment; ``body`` is untrusted."""

    id: int = Field(gt=0)
    body: str
    author: str = Field(validation_alias=AliasPath("user", "login"), min_length=1)


class EventPayload(_Payload):
    """The fields of a webhook payload that ap reads; each is absent when the event has none."""

    action: str | None = None
    sender: Actor | None = None
    repository: RepositoryInfo | None = None
    issue: IssueInfo | None = None
    label: Label | None = None
    comment: CommentInfo | None = None
    ref: str | None = None
    before: str | None = Field(default=None, pattern=_SHA.pattern)
    after: str | None = Field(default=None, pattern=_SHA.pattern)
    deleted: bool = False
    inputs: dict[str, str] = Field(default_factory=dict)

    @field_validator("inputs", mode="before")
    @classmethod
    def _inputs_as_text(cls, value: Any) -> Any:
        """workflow_dispatch inputs arrive as strings, booleans or numbers; ap reads text."""
        if value is None:
            return {}
        if isinstance(value, dict):
            return {k: _scalar_text(v) for k, v in value.items()}
        return value

    @property
    def branch(self) -> str | None:
        """The branch a push or dispatch is on (``None`` for a tag)."""
        if self.ref is None or not self.ref.startswith(_HEADS):
            return None
        return self.ref[len(_HEADS) :]


class GitHubContext(BaseModel):
    """What the Action's runner tells ap: who, where, and the event."""

    model_config = ConfigDict(frozen=True)

    event_name: str
    repository: str
    api_url: str
    token: SecretStr | None
    event: EventPayload

    def require_token(self) -> str:
        """The token, or an error saying how to pass it."""
        if self.token is None or not self.token.get_secret_value():
            raise GitHubEventError(
                "GITHUB_TOKEN is not set",
                hint="pass it to the step: `env: GITHUB_TOKEN: ${{ github.token }}`",
            )
        return self.token.get_secret_value()


def load_context(env: Mapping[str, str]) -> GitHubContext:
    """The context of the running Action, from ``env`` (normally ``os.environ``)."""
    event_name = _env(env, "GITHUB_EVENT_NAME", _EVENT_NAME)
    repository = _env(env, "GITHUB_REPOSITORY", _REPOSITORY)
    api_url = env.get("GITHUB_API_URL") or DEFAULT_API_URL
    if not _API_URL.match(api_url):
        raise GitHubEventError(
            "GITHUB_API_URL is not an http(s) URL",
            hint="set it to the API's https URL, or unset it for https://api.github.com",
        )
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise GitHubEventError(
            "GITHUB_EVENT_PATH is not set", hint="run `ap github handle` inside a GitHub Action"
        )
    payload = read_payload(Path(path))
    token = env.get("GITHUB_TOKEN")
    return GitHubContext(
        event_name=event_name,
        repository=repository,
        api_url=api_url.rstrip("/"),
        token=SecretStr(token) if token else None,
        event=parse_payload(event_name, payload, source=f"GITHUB_EVENT_PATH ({path})"),
    )


def read_payload(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``."""
    try:
        if path.stat().st_size > MAX_PAYLOAD_BYTES:
            raise GitHubEventError(
                f"{path} is larger than {MAX_PAYLOAD_BYTES} bytes", hint=_EVENT_HINT
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GitHubEventError(
            f"cannot read the event payload {path}: {exc.strerror}", hint=_EVENT_HINT
        ) from exc
    except ValueError as exc:  # bad JSON or bad UTF-8
        raise GitHubEventError(
            f"the event payload {path} is not valid JSON", hint=_EVENT_HINT
        ) from exc
    if not isinstance(data, dict):
        raise GitHubEventError(f"the event payload {path} is not a JSON object", hint=_EVENT_HINT)
    return data


def parse_payload(event_name: str, payload: Any, *, source: str = "event payload") -> EventPayload:
    """The fields ap reads from ``payload``, checked for ``event_name``."""
    try:
        event = EventPayload.model_validate(payload)
    except ValidationError as exc:
        raise GitHubEventError(f"{source}: {_describe(exc)}", hint=_EVENT_HINT) from None
    missing = [f for f in _REQUIRED.get(event_name, ()) if getattr(event, f) is None]
    if event_name == "issues" and event.action in ("labeled", "unlabeled") and event.label is None:
        missing.append("label")
    if missing:
        raise GitHubEventError(
            f"{source}: a {event_name} event without {', '.join(missing)}", hint=_EVENT_HINT
        )
    if event_name in ("push", "workflow_dispatch") and not str(event.ref).startswith("refs/"):
        raise GitHubEventError(
            f"{source}: ref of a {event_name} event is not a full ref name", hint=_EVENT_HINT
        )
    return event


def _env(env: Mapping[str, str], name: str, shape: re.Pattern[str]) -> str:
    value = env.get(name)
    if not value:
        raise GitHubEventError(
            f"{name} is not set", hint="run `ap github handle` inside a GitHub Action"
        )
    if not shape.match(value):
        raise GitHubEventError(
            f"{name} has an unexpected value", hint="run `ap github handle` inside a GitHub Action"
        )
    return value


def _scalar_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _describe(exc: ValidationError, limit: int = 5) -> str:
    """Where and what, for the first few problems; the untrusted values are not echoed."""
    problems = [
        f"{'.'.join(_loc_part(p) for p in e['loc']) or 'payload'}: {e['msg']}"
        for e in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _loc_part(part: str | int) -> str:
    text = str(part)
    return text if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", text) else "[…]"


# -- /ap comment commands -------------------------------------------------------------------

Verb = Literal["approve", "status", "retry", "cancel"]
_WITHOUT_ARGUMENT: dict[str, Verb] = {"approve": "approve", "status": "status", "cancel": "cancel"}
_TASK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Command:
    """An ``/ap`` command from a comment: ``verb``, and the objective of ``retry``."""

    verb: Verb
    task: str | None = None


def parse_command(body: str) -> Command | None:
    """The command of the first line of ``body`` that starts with ``/ap``, or ``None``.

    ``/ap approve``, ``/ap status``, ``/ap cancel`` and ``/ap retry TASK``, where
    TASK is an objective id (``T3``). Only that first ``/ap`` line counts: if it
    is not exactly one of these, there is no command.
    """
    for raw in body.split("\n"):
        words = re.split(r"[ \t]+", raw.strip(" \t\r"))
        if words[0] != "/ap":
            continue
        verb, args = (words[1] if len(words) > 1 else ""), words[2:]
        if verb in _WITHOUT_ARGUMENT and not args:
            return Command(_WITHOUT_ARGUMENT[verb])
        if verb == "retry" and len(args) == 1 and is_task_id(args[0]):
            return Command("retry", args[0])
        return None
    return None


def is_task_id(text: str) -> bool:
    """An objective id as plans use them (``T1``): safe as a branch name component."""
    return (
        bool(_TASK.match(text))
        and ".." not in text
        and not text.endswith((".", ".lock"))
        and text.lower() != "integration"
    )
