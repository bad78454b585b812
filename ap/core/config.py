"""``ap.yaml`` → a validated :class:`ApConfig` with the defaults of docs/DESIGN.md §3."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from ap.core import yamlio
from ap.core.defaults import (
    CONFIG_FILE,
    DEFAULT_BRANCH_PREFIX,
    DEFAULT_CASE_SENSITIVE,
    DEFAULT_STATE_DIR,
)
from ap.core.errors import ConfigError
from ap.core.ids import STATE_FOLDERS
from ap.core.models import Model

# Paths no objective may touch unless the owner allows it for one plan (--allow).
BASE_GLOBAL_FORBID = (
    ".git/",
    ".github/workflows/",
    "ap.yaml",
    ".env",
    "secrets/",
    "**/node_modules/",
    "**/__pycache__/",
    ".venv/",
    "venv/",
    "dist/",
    "build/",
)


# Agent CLIs with a known non-interactive command line, a person, and the script worker.
PRESET_NAMES = ("claude-code", "codex", "aider", "gemini", "manual", "script")

# The shape of a team member, for hints: what a user can copy into ap.yaml.
WORKER_SHAPE = (
    "a worker is `{name: NAME, command: [program, arg, ...]}` or `{name: NAME, preset: P}` "
    f"(P one of {', '.join(PRESET_NAMES)})"
)


def _worker_label(info: ValidationInfo) -> str:
    """``worker 'w'``: names the team member a field belongs to (its name is validated first)."""
    name = info.data.get("name")
    return f"worker {name!r}" if isinstance(name, str) else "this worker"


def _refuse(message: str) -> PydanticCustomError:
    # A custom error keeps pydantic's "Value error, " prefix out of what the user reads.
    return PydanticCustomError("ap_config", message)


def command_words(value: object, what: str) -> list[str]:
    """The words of a command given as a string (split as a shell would) or a list of words.

    Raises a pydantic error that says what is wrong with it, naming ``what``.
    """
    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:  # an unbalanced quote or a trailing backslash
            raise _refuse(f"{what}: `command` cannot be split into words ({exc})") from None
    elif isinstance(value, list) and all(isinstance(word, str) for word in value):
        words = list(value)
    else:
        raise _refuse(f"{what}: `command` must be a command line or a list of words (strings)")
    if not words:
        raise _refuse(f"{what}: `command` is empty")
    if not words[0].strip():
        raise _refuse(f"{what}: `command` names no program (its first word is blank)")
    return words


def _located(loc: tuple[int | str, ...], value: object, message: str) -> ValidationError:
    """An error at ``loc`` below the field being validated (its line is the one reported)."""
    detail = InitErrorDetails(type=_refuse(message), loc=loc, input=value)
    return ValidationError.from_exception_data("ap.yaml", [detail])


# What git refuses in a branch name (git help check-ref-format), for branch_prefix.
_REF_FORBIDDEN = (" ", "~", "^", ":", "?", "*", "[", "\\", "..", "@{")


def ref_problem(prefix: str) -> str | None:
    """Why ``prefix`` (slash-separated words) cannot begin a git branch name, or None."""
    if prefix.startswith("-"):
        return "it starts with `-`"
    for part in prefix.split("/"):
        if not part:
            return "an empty part (`//` or a leading `/`)"
        if part.startswith(".") or part.endswith(".lock"):
            return f"the part {part!r} (parts cannot start with `.` or end with `.lock`)"
    bad = next((b for b in _REF_FORBIDDEN if b in prefix), None)
    if bad is not None:
        return f"it contains {bad!r}"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in prefix) or prefix == "@":
        return "it contains a control character or is `@`"
    return None


def _whole_number(value: object, key: str, what: str | None = None) -> int:
    """An integer of 1 or more (``true`` is not 1, ``"2"`` is not 2: YAML says what it means)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        whose = f"{what}: " if what else ""
        raise _refuse(f"{whose}`{key}` must be a whole number of 1 or more, not {value!r}")
    return value


def _seconds(value: object) -> object:
    # A timeout waits on a timer: a number of seconds the platform can wait (not `true`,
    # not .inf, not 1e308, which would crash the timer).
    if isinstance(value, str):  # YAML reads `1e3` (no dot) as text
        try:
            value = float(value)
        except ValueError:
            raise _refuse(f"a timeout is a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(f"a timeout is a number of seconds, not {value!r}")
    if not 0 < value <= MAX_SECONDS:
        raise _refuse(f"a timeout is more than 0 and at most {MAX_SECONDS:.0f} s, not {value!r}")
    return float(value)


MAX_SECONDS = float(threading.TIMEOUT_MAX)
Seconds = Annotated[float, BeforeValidator(_seconds)]


class WorkerConfig(Model):
    """A member of the team: an agent CLI (preset or command), a person, or the script worker."""

    name: str
    preset: str | None = None
    command: str | list[str] | None = None
    capabilities: list[str] = Field(default_factory=list)
    # Unset: an agent preset or a person takes one objective at a time; a `command` or
    # the script worker as many as the run's parallelism allows.
    max_concurrent: int | None = Field(default=None, ge=1)
    timeout: Seconds | None = None
    recipe: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _a_name(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise _refuse(f"a worker's `name` must be a word, not {value!r}")
        if any(not ch.isprintable() for ch in value):
            raise _refuse(f"a worker's `name` must be printable, not {value!r}")
        return value

    @field_validator("preset", mode="before")
    @classmethod
    def _known_preset(cls, value: object, info: ValidationInfo) -> object:
        if value is not None and value not in PRESET_NAMES:
            raise _refuse(
                f"{_worker_label(info)}: unknown preset {value!r} "
                f"(one of {', '.join(PRESET_NAMES)})"
            )
        return value

    @field_validator("command", mode="before")
    @classmethod
    def _runnable_command(cls, value: object, info: ValidationInfo) -> object:
        if value is not None:
            command_words(value, _worker_label(info))
        return value

    @field_validator("capabilities", mode="before")
    @classmethod
    def _capability_words(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _refuse(
                f"{_worker_label(info)}: `capabilities` must be a list of words, "
                "e.g. [python, tests, docs]"
            )
        return value

    @field_validator("max_concurrent", mode="before")
    @classmethod
    def _concurrency(cls, value: object, info: ValidationInfo) -> object:
        return _whole_number(value, "max_concurrent", _worker_label(info))

    @model_validator(mode="after")
    def _preset_or_command(self) -> WorkerConfig:
        what = f"worker {self.name!r}"
        if (self.preset is None) == (self.command is None):
            raise _refuse(f"{what}: give exactly one of `preset` or `command`")
        if self.preset == "script" and not self.recipe:
            raise _refuse(
                f"{what}: the script preset needs `recipe:` (a YAML file of edits per task)"
            )
        if self.recipe is not None and self.preset != "script":
            raise _refuse(f"{what}: `recipe` is read by the script preset only")
        return self


class GateConfig(Model):
    """A quality gate: a command run on each merged wave's candidate tree."""

    name: str
    command: str
    timeout: Seconds | None = None

    @field_validator("name", "command")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        # A blank gate command is `sh -c ''`: a gate that always passes, surely a slip.
        if not value.strip():
            raise _refuse(f"a gate's `{info.field_name}` is empty")
        return value


class AnalystConfig(Model):
    """Which analyst turns a request into objectives (heuristic needs no network)."""

    kind: Literal["heuristic", "anthropic", "openai", "command"] = "heuristic"
    model: str | None = None
    base_url: str | None = None
    command: str | list[str] | None = None
    api_key_env: str | None = None
    timeout: Seconds = 120.0

    @field_validator("command", mode="before")
    @classmethod
    def _runnable_command(cls, value: object) -> object:
        if value is not None:
            command_words(value, "the analyst")
        return value

    @model_validator(mode="after")
    def _command_for_kind_command(self) -> AnalystConfig:
        if self.kind == "command" and self.command is None:
            raise _refuse("the analyst of kind command needs `command`")
        return self


class ApConfig(Model):
    """The whole of ap.yaml. Every key is optional."""

    team: list[WorkerConfig] = Field(default_factory=list)
    global_forbid: list[str] | None = None
    extra_forbid: list[str] = Field(default_factory=list)
    gates: list[GateConfig] = Field(default_factory=list)
    state_dir: str = DEFAULT_STATE_DIR
    branch_prefix: str = DEFAULT_BRANCH_PREFIX
    analyst: AnalystConfig = Field(default_factory=AnalystConfig)
    max_parallel: int | None = Field(default=None, ge=1)
    case_sensitive_scopes: bool = DEFAULT_CASE_SENSITIVE

    @field_validator("team")
    @classmethod
    def _unique_names(cls, team: list[WorkerConfig]) -> list[WorkerConfig]:
        seen: dict[str, int] = {}
        for index, worker in enumerate(team):
            if worker.name in seen:
                raise _located(
                    (index, "name"),
                    worker.name,
                    f"two workers are named {worker.name!r} (entries {seen[worker.name] + 1} "
                    f"and {index + 1} of the team): `--worker` and `agent:` could not tell "
                    "them apart",
                )
            seen[worker.name] = index
        return team

    @field_validator("global_forbid", "extra_forbid")
    @classmethod
    def _scope_patterns(cls, patterns: list[str] | None) -> list[str] | None:
        from ap.core.errors import ScopeError
        from ap.scope.pattern import parse_pattern

        for index, pattern in enumerate(patterns or []):
            try:
                parse_pattern(pattern, allow_git_dir=True)
            except ScopeError as exc:
                raise _located((index,), pattern, exc.message) from None
        return patterns

    @field_validator("max_parallel", mode="before")
    @classmethod
    def _parallel(cls, value: object) -> object:
        return None if value is None else _whole_number(value, "max_parallel")

    @field_validator("gates", mode="before")
    @classmethod
    def _gate_strings(cls, value: object) -> object:
        # `gates: ["pytest -q"]` is the short form of `{name: pytest, command: "pytest -q"}`.
        if isinstance(value, list):
            return [
                {"name": v.split()[0] if v.split() else v, "command": v}
                if isinstance(v, str)
                else v
                for v in value
            ]
        return value

    @field_validator("analyst", mode="before")
    @classmethod
    def _analyst_string(cls, value: object) -> object:
        return {"kind": value} if isinstance(value, str) else value

    @field_validator("state_dir")
    @classmethod
    def _relative_state_dir(cls, value: str) -> str:
        from ap.core.errors import ScopeError
        from ap.scope.pattern import parse_pattern

        value = value.strip("/")
        if value.split("/")[0].lower() == ".git":
            raise _refuse("`state_dir` cannot be inside .git/ (the artifacts are committed)")
        try:  # its folders are forbidden to objectives by pattern: it must be a plain one
            parse_pattern(f"{value}/")
        except ScopeError as exc:
            problem = exc.message.rpartition("is rejected: ")[2]
            raise _refuse(
                f"`state_dir` must be a relative folder inside the repository, not {value!r} "
                f"({problem})"
            ) from None
        if any(ch in value for ch in "*?["):
            raise _refuse(f"`state_dir` {value!r} has a glob character (*, ? or [)")
        return value

    @field_validator("branch_prefix")
    @classmethod
    def _branch_prefix(cls, value: str) -> str:
        if value and not value.endswith("/"):
            value += "/"
        problem = ref_problem(value.rstrip("/")) if value else None
        if problem is not None:
            raise _refuse(f"`branch_prefix` {value!r} cannot start a git branch name: {problem}")
        return value

    def state_folders(self) -> list[str]:
        """The folders under the state dir that hold AP artifacts."""
        return [f"{self.state_dir}/{name}" for name in STATE_FOLDERS]

    def effective_global_forbid(self) -> list[str]:
        """The patterns no objective may touch: the defaults (or ap.yaml's list) plus extras."""
        base = (
            list(self.global_forbid)
            if self.global_forbid is not None
            else [*BASE_GLOBAL_FORBID, *(f"{f}/" for f in self.state_folders())]
        )
        return list(dict.fromkeys([*base, *self.extra_forbid]))

    def worker(self, name: str) -> WorkerConfig | None:
        return next((w for w in self.team if w.name == name), None)


# The hint for an error in one key of ap.yaml: what a valid value looks like.
_KEY_HINTS = {
    "team": WORKER_SHAPE,
    "gates": 'a gate is `{name: NAME, command: "shell line"}`, or just the shell line',
    "analyst": "e.g. `analyst: heuristic`, or `{kind: command, command: [program, arg, ...]}`",
    "state_dir": "a folder inside the repository, e.g. `state_dir: docs`",
    "branch_prefix": "words separated by slashes, e.g. `branch_prefix: ap/`",
    "global_forbid": "patterns are gitignore globs anchored at the repository root, e.g. deploy/",
    "extra_forbid": "patterns are gitignore globs anchored at the repository root, e.g. deploy/",
    "max_parallel": "e.g. `max_parallel: 4`, or leave it out for no limit",
    "case_sensitive_scopes": "`case_sensitive_scopes: true` or `false`",
}


def config_hint(fields: Sequence[str] = ()) -> str:
    """How to fix ap.yaml, for the first key at fault (the keys it may hold otherwise)."""
    for field in fields:
        key = field.split(".", 1)[0]
        if key in _KEY_HINTS:
            return f"fix ap.yaml: {_KEY_HINTS[key]}"
    return f"fix ap.yaml; its keys are {', '.join(ApConfig.model_fields)}"


def load_config(root: Path) -> ApConfig:
    """Load ``ap.yaml`` at ``root``; the defaults when there is none."""
    path = root / CONFIG_FILE
    if not path.exists():
        return ApConfig()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc}", hint=config_hint()) from None
    return parse_config(raw)


def parse_config(raw: bytes) -> ApConfig:
    """Validate the bytes of an ``ap.yaml`` (the one schema: the hook's settings come from it)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc}", hint=config_hint()) from None
    data = yamlio.parse(text, where=CONFIG_FILE, error=ConfigError, hint=config_hint)
    return yamlio.validate(
        ApConfig,
        data,
        text=text,
        where=CONFIG_FILE,
        error=ConfigError,
        allow_empty=True,
        hint=config_hint,
    )
