"""How an agent CLI started by ``ap run`` is given its objective's ``ap mcp`` server.

The server is described once (:class:`McpServer`: the command, and the objective
in its environment) and written to the run folder in the ``mcpServers`` JSON
format most agents read; the presets that take MCP servers on their command line
are pointed at it (ap/run/workers.py). No credential goes into the description:
only AP_PLAN, AP_TASK and AP_WORKTREE.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ap.core.fsutil import atomic_write

SERVER_NAME = "ap"
SERVER_ENV = ("AP_PLAN", "AP_TASK", "AP_WORKTREE")
SDK_MAJOR = 2  # MCPServer (FastMCP before) and its ToolError are 2.x names


@dataclass(frozen=True)
class McpServer:
    """``ap mcp`` for one objective, and the file that describes it to an agent."""

    config_file: Path
    command: str = sys.executable
    args: tuple[str, ...] = ("-m", "ap", "mcp")
    env: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The ``mcpServers`` form (Claude Code's ``--mcp-config``, Gemini's settings...)."""
        server = {"type": "stdio", "command": self.command, "args": list(self.args)}
        return {"mcpServers": {SERVER_NAME: {**server, "env": dict(self.env)}}}


def sdk_installed() -> bool:
    """Whether ``ap mcp`` can serve: the ``ap[mcp]`` extra, the SDK's 2.x, is installed
    (read off its distribution's metadata: nothing of it is imported)."""
    try:
        major = metadata.version("mcp").split(".")[0]
    except metadata.PackageNotFoundError:
        return False
    return major.isdigit() and int(major) >= SDK_MAJOR


def objective_server(area: Path, env: Mapping[str, str]) -> McpServer | None:
    """The server of the objective ``env`` names (a worker's AP_* environment), its
    description written under ``area``/mcp/; None when the SDK is not installed."""
    if not sdk_installed():
        return None
    server = McpServer(
        config_file=area / "mcp" / f"{env['AP_TASK']}.json",
        env={k: env[k] for k in SERVER_ENV if k in env},
    )
    atomic_write(server.config_file, json.dumps(server.as_json(), indent=2) + "\n")
    return server
