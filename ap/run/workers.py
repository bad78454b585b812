"""Workers (docs/DESIGN.md §10): who does an objective, with which command line.

A team member of ap.yaml is ``{name, command}`` or ``{name, preset}``. Presets are
the non-interactive command lines of common agent CLIs (each reads the prompt on
stdin, or from the file named by ``{prompt_file}``), ``manual`` (a person), and
``script`` (the deterministic recipe worker). ``agent: auto`` objectives are
matched to a worker by declared capabilities, then by load.
"""

from __future__ import annotations

import json
import os
import posixpath
import shlex
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ap.core.config import PRESET_NAMES, ApConfig, WorkerConfig
from ap.core.errors import UsageError
from ap.core.languages import LANGUAGES
from ap.core.models import Objective

if TYPE_CHECKING:
    from ap.run.mcpconfig import McpServer

# Each agent's non-interactive form, reading the prompt on stdin (aider: from the file).
# Their documented flags as of late 2026; none could be run here (no agent, no key).
PRESET_COMMANDS: dict[str, list[str]] = {
    # -p: print mode; with no prompt argument the prompt is what stdin holds
    "claude-code": ["claude", "-p", "--permission-mode", "acceptEdits"],
    # `-` reads the prompt on stdin; workspace-write lets it edit only its worktree
    "codex": ["codex", "exec", "--sandbox", "workspace-write", "-"],
    "aider": ["aider", "--yes-always", "--no-git", "--message-file", "{prompt_file}"],
    # -p is the headless mode; its text is appended to the prompt read on stdin
    "gemini": ["gemini", "--yolo", "-p", "Carry out the objective described above."],
}


def _claude_mcp(server: McpServer) -> list[str]:
    # --mcp-config takes files (space-separated, so nothing may follow it but options);
    # --strict-mcp-config is not given: the user's own servers stay available
    return ["--mcp-config", str(server.config_file)]


def _codex_mcp(server: McpServer) -> list[str]:
    # -c overrides config.toml keys with TOML values (JSON strings and arrays are TOML)
    env = ", ".join(f"{key} = {json.dumps(value)}" for key, value in server.env.items())
    return [
        "-c",
        f"mcp_servers.ap.command={json.dumps(server.command)}",
        "-c",
        f"mcp_servers.ap.args={json.dumps(list(server.args))}",
        "-c",
        f"mcp_servers.ap.env={{{env}}}",
    ]


# The presets whose agent is given ap's MCP server (`ap mcp`) on its command line, and
# where the options go: after the command (claude), or before its last argument (codex's
# `-`). Gemini CLI reads MCP servers only from settings files, which ap does not write.
PRESET_MCP: dict[str, tuple[Callable[[McpServer], list[str]], bool]] = {
    "claude-code": (_claude_mcp, False),
    "codex": (_codex_mcp, True),
}

# What a scope's file names say about the work, as capability words workers declare:
# the index's language names, with documentation and configuration formats grouped.
_KIND_OF_LANGUAGE = {
    "markdown": "docs",
    "rst": "docs",
    "text": "docs",
    "yaml": "config",
    "toml": "config",
    "json": "config",
    "ini": "config",
}


@dataclass(frozen=True)
class Worker:
    """A worker ready to run: its argv (None for a person), limits and capabilities."""

    name: str
    argv: tuple[str, ...] | None
    max_concurrent: int | None = 1  # None: as many at once as the run allows
    timeout: float | None = None
    capabilities: tuple[str, ...] = field(default_factory=tuple)
    mcp: str | None = None  # the preset whose command line takes ap's MCP server

    @property
    def manual(self) -> bool:
        return self.argv is None

    def program_missing(self) -> str | None:
        """The program the worker runs when it is not on PATH (a path is left to the run:
        a relative one is found from the worktree)."""
        if not self.argv or "/" in self.argv[0] or (os.altsep and os.altsep in self.argv[0]):
            return None
        return None if shutil.which(self.argv[0]) else self.argv[0]

    def command(self, prompt_file: str, mcp: McpServer | None = None) -> list[str]:
        """The command line, given ``mcp`` (the objective's server) if its agent takes one."""
        assert self.argv is not None
        argv = [a.replace("{prompt_file}", prompt_file) for a in self.argv]
        if mcp is None or self.mcp not in PRESET_MCP:
            return argv
        options, before_last = PRESET_MCP[self.mcp]
        at = len(argv) - 1 if before_last else len(argv)
        return [*argv[:at], *options(mcp), *argv[at:]]


def from_config(spec: WorkerConfig) -> Worker:
    argv: tuple[str, ...] | None
    if spec.preset == "manual":
        argv = None
    elif spec.preset == "script":
        argv = (sys.executable, "-m", "ap.run.scriptworker", str(spec.recipe))
    elif spec.preset is not None:
        argv = tuple(PRESET_COMMANDS[spec.preset])
    elif isinstance(spec.command, str):
        argv = tuple(shlex.split(spec.command))
    else:
        argv = tuple(spec.command or ())
    mcp = spec.preset if spec.preset in PRESET_MCP else None
    limit = spec.max_concurrent
    if limit is None and spec.preset not in (None, "script"):
        limit = 1  # an agent's account, or a person: one objective at a time unless told
    return Worker(spec.name, argv, limit, spec.timeout, tuple(spec.capabilities), mcp)


def resolve(config: ApConfig, name: str) -> Worker:
    """A team member by name, or a preset used directly (``--worker codex``)."""
    spec = config.worker(name)
    if spec is not None:
        return from_config(spec)
    if name in PRESET_NAMES and name != "script":
        return from_config(WorkerConfig(name=name, preset=name))
    known = ", ".join([w.name for w in config.team] + [p for p in PRESET_NAMES if p != "script"])
    raise UsageError(f"no worker named {name!r}", hint=f"one of: {known}")


def narrower_limits(workers: Iterable[Worker], limit: int) -> dict[str, str]:
    """The workers (given once per objective) whose ``max_concurrent`` runs fewer of their
    objectives at once than the run's ``limit`` would, each with a sentence saying so."""
    counts = Counter(w.name for w in workers)
    found = {}
    for worker in {w.name: w for w in workers}.values():
        cap = worker.max_concurrent
        if cap is not None and cap < min(limit, counts[worker.name]):
            found[worker.name] = (
                f"worker {worker.name} runs at most {cap} objective(s) at a time "
                f"(its max_concurrent), though the run could take {limit}"
            )
    return found


def require_programs(workers: Iterable[Worker]) -> None:
    """Refuse, before anything is started, workers whose program can't be found."""
    missing = {w.name: program for w in workers if (program := w.program_missing())}
    if missing:
        named = ", ".join(f"{name} (`{program}`)" for name, program in sorted(missing.items()))
        raise UsageError(
            f"no such program on PATH for worker(s) {named}; nothing was started for them",
            hint="install it, give the worker a `command` in ap.yaml, or choose another "
            "with --worker NAME",
        )


def work_kinds(objective: Objective) -> set[str]:
    """Capability words that describe an objective: languages, docs, tests, complexity."""
    kinds = {f"complexity:{objective.complexity.value}"}
    for pattern in objective.scope_touch:
        lowered = pattern.lower()
        if "test" in lowered:
            kinds.add("tests")
        language = LANGUAGES.get(posixpath.splitext(lowered)[1])
        if language is not None:
            kinds.add(_KIND_OF_LANGUAGE.get(language, language))
    return kinds


def choose(config: ApConfig, objective: Objective, load: Mapping[str, int]) -> tuple[Worker, str]:
    """The team member for an objective, and why: its own agent, or the best match."""
    if objective.agent != "auto":
        return resolve(config, objective.agent), f"named by the plan ({objective.agent})"
    if not config.team:
        raise UsageError(
            "no worker for the objectives: ap.yaml has no `team`",
            hint="add a team to ap.yaml, or pass --worker NAME (e.g. --worker claude-code)",
        )
    kinds = work_kinds(objective)
    best: tuple[float, float, int] | None = None
    chosen: tuple[Worker, str] | None = None
    for index, spec in enumerate(config.team):
        worker = from_config(spec)
        matched = sorted(kinds & set(worker.capabilities))
        taken = load.get(worker.name, 0)
        busy = taken / worker.max_concurrent if worker.max_concurrent else 0.0
        key = (-len(matched), busy, index)
        if best is None or key < best:
            best = key
            why = f"capabilities {', '.join(matched)}" if matched else "no capability matched"
            of = f"/{worker.max_concurrent}" if worker.max_concurrent else ""
            chosen = (worker, f"{why}; load {taken}{of}")
    assert chosen is not None
    return chosen
