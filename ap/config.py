"""``ap.yaml`` → a validated :class:`ApConfig` with the defaults of DESIGN.md §3."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ap import yamlio
from ap.errors import ConfigError
from ap.ids import STATE_FOLDERS
from ap.models import Model

CONFIG_FILE = "ap.yaml"


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


class WorkerConfig(Model):
    """A member of the team: an agent CLI (preset or command), a person, or the script worker."""

    name: str
    preset: str | None = None
    command: str | list[str] | None = None
    capabilities: list[str] = Field(default_factory=list)
    max_concurrent: int = Field(default=1, ge=1)
    timeout: float | None = Field(default=None, gt=0)
    recipe: str | None = None

    @model_validator(mode="after")
    def _preset_or_command(self) -> WorkerConfig:
        if (self.preset is None) == (self.command is None):
            raise ValueError("give exactly one of `preset` or `command`")
        if self.preset is not None and self.preset not in PRESET_NAMES:
            raise ValueError(f"unknown preset {self.preset!r} (one of {', '.join(PRESET_NAMES)})")
        if self.preset == "script" and not self.recipe:
            raise ValueError("the script preset needs `recipe:` (a YAML file of edits per task)")
        return self


class GateConfig(Model):
    """A quality gate: a command run on each merged wave's candidate tree."""

    name: str
    command: str
    timeout: float | None = Field(default=None, gt=0)


class AnalystConfig(Model):
    """Which analyst turns a request into objectives (heuristic needs no network)."""

    kind: Literal["heuristic", "anthropic", "openai", "command"] = "heuristic"
    model: str | None = None
    base_url: str | None = None
    command: str | list[str] | None = None
    api_key_env: str | None = None
    timeout: float = Field(default=120.0, gt=0)


class ApConfig(Model):
    """The whole of ap.yaml. Every key is optional."""

    team: list[WorkerConfig] = Field(default_factory=list)
    global_forbid: list[str] | None = None
    extra_forbid: list[str] = Field(default_factory=list)
    gates: list[GateConfig] = Field(default_factory=list)
    state_dir: str = "docs"
    branch_prefix: str = "ap/"
    analyst: AnalystConfig = Field(default_factory=AnalystConfig)
    max_parallel: int | None = Field(default=None, ge=1)
    case_sensitive_scopes: bool = False

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
        value = value.strip("/")
        if not value or ".." in value.split("/") or "\\" in value:
            raise ValueError("must be a relative folder inside the repository")
        return value

    @field_validator("branch_prefix")
    @classmethod
    def _branch_prefix(cls, value: str) -> str:
        if value and not value.endswith("/"):
            value += "/"
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


def load_config(root: Path) -> ApConfig:
    """Load ``ap.yaml`` at ``root``; the defaults when there is none."""
    path = root / CONFIG_FILE
    if not path.exists():
        return ApConfig()
    return yamlio.load_model(ApConfig, path, error=ConfigError, where=CONFIG_FILE, allow_empty=True)
