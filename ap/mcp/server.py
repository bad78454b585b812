"""``ap mcp``: the objective's tools served over MCP on stdio (the official SDK, ``ap[mcp]``).

The SDK is imported here only, when the server starts: ``ap --help`` and the hook
never load it. An ApError in a tool becomes a tool error (``isError``) carrying
its message and hint, so the agent reads why, and the server goes on serving.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ap.core.errors import ApError, UsageError
from ap.mcp.objective import ObjectiveTools, locate

INSTALL_HINT = "pip install 'analytic-programming[mcp]'  (the MCP Python SDK)"

INSTRUCTIONS = (
    "ap's tools for the objective this worktree is on. Read it with `objective`; ask "
    "`may_edit` before changing a file outside what you know is yours; `request_scope` "
    "when you need more (granted only when no other objective may edit it); "
    "`report_progress` as you go; `submit_response` with your AP response at the end."
)


def _tool(tools: ObjectiveTools, name: str) -> Callable[..., dict[str, Any]]:
    """The named tool with ApErrors turned into the SDK's tool errors."""
    from mcp.server.mcpserver.exceptions import ToolError

    method: Callable[..., dict[str, Any]] = getattr(tools, name)

    def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return method(*args, **kwargs)
        except ApError as exc:
            raise ToolError(exc.message + (f"\nhint: {exc.hint}" if exc.hint else "")) from None

    return call


def build(tools: ObjectiveTools) -> Any:
    """The MCP server of one objective (an ``mcp.server.mcpserver.MCPServer``)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    w = tools.where
    server = MCPServer(
        "ap",
        instructions=f"{INSTRUCTIONS} Objective: {w.task} of plan {w.plan_id}.",
        log_level="WARNING",
    )
    may_edit, request, progress, submit, objective = (
        _tool(tools, n)
        for n in ("may_edit", "request_scope", "report_progress", "submit_response", "objective")
    )

    def read_objective() -> dict[str, Any]:
        """Your objective: title, description, scope_touch/read/forbid, grants, the
        contracts you provide and consume, acceptance, and where your report goes."""
        return objective()

    def may_edit_path(path: str) -> dict[str, Any]:
        """May I edit PATH (relative to the repository root)? The exact check the commit
        hook and the merge apply: `allowed` and the `reason`."""
        return may_edit(path)

    def request_scope(pattern: str, why: str) -> dict[str, Any]:
        """Ask for more scope (a gitignore-style pattern) and say why. Granted only when no
        other running objective of the wave may edit it and no global forbid reaches it;
        refused otherwise, naming the objective (or forbid) and a witness path."""
        return request(pattern, why)

    def report_progress(line: str) -> dict[str, Any]:
        """One line of progress, shown live by `ap run`."""
        return progress(line)

    def submit_response(response: str) -> dict[str, Any]:
        """Your AP response (markdown): it must end with exactly one `### Change Summary`
        section, or be a `### Failure Report`. Written to your report file."""
        return submit(response)

    reads = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
    for fn, name, kind in (
        (read_objective, "objective", reads),
        (may_edit_path, "may_edit", reads),
        (request_scope, "request_scope", writes),
        (report_progress, "report_progress", writes),
        (submit_response, "submit_response", writes),
    ):
        server.add_tool(fn, name=name, annotations=kind)
    return server


def serve(start: Path) -> None:
    """Serve the objective of the worktree at ``start`` (or AP_WORKTREE) on stdio."""
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        raise UsageError(
            "`ap mcp` needs the MCP Python SDK 2.x, which is not installed", hint=INSTALL_HINT
        ) from None
    where = locate(Path(os.environ.get("AP_WORKTREE") or start), os.environ)
    build(ObjectiveTools(where)).run()
