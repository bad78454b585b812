"""The presets whose agents take MCP servers get `ap mcp` on their command line.

Stand-ins of the agent CLIs (on PATH) start the server exactly as their command
line describes it — Claude Code from the ``--mcp-config`` file, Codex from its
``-c mcp_servers.ap.*`` overrides — with only the environment the description
names, from another directory, and do their objective through it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from ap.core.config import WorkerConfig
from ap.run import mcpconfig as config
from ap.run.mcpconfig import McpServer, objective_server
from ap.run.workers import from_config
from tests.run.conftest import planned_flow

AGENT = """\
import json, os, pathlib, sys
import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

name = pathlib.Path(sys.argv[0]).name
args = sys.argv[1:]
sys.stdin.read()
if name == "claude":
    described = json.loads(pathlib.Path(args[args.index("--mcp-config") + 1]).read_text())
    server = described["mcpServers"]["ap"]
else:
    import tomllib

    assert args[:1] == ["exec"] and args[-1] == "-", args
    overrides = [args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "-c"]
    server = {
        key.rsplit(".", 1)[1]: tomllib.loads(f"v = {value}")["v"]
        for key, value in overrides
        if key.startswith("mcp_servers.ap.")
    }
env = {k: os.environ[k] for k in ("PATH", "HOME", "GIT_CONFIG_GLOBAL") if k in os.environ}


async def main():
    params = StdioServerParameters(
        command=server["command"], args=server["args"], env={**env, **server["env"]}, cwd="/"
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
        await s.initialize()
        result = await s.call_tool("objective", {})
        objective = json.loads(result.content[0].text)
        folder = objective["scope_touch"][0].rstrip("/")
        os.makedirs(folder, exist_ok=True)
        pathlib.Path(folder, f"by_{name}.txt").write_text(objective["task"] + "\\n")
        response = f"### Change Summary\\n- {folder}/by_{name}.txt\\n"
        result = await s.call_tool("submit_response", {"response": response})
        assert not result.is_error, result


anyio.run(main)
"""


@pytest.mark.parametrize("preset", ["claude-code", "codex"])
def test_the_agent_reaches_its_objective_through_the_server_ap_describes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    preset: str,
) -> None:
    if preset == "codex":
        pytest.importorskip("tomllib")
    flow = planned_flow(tmp_path / "repo", capsys)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("claude", "codex"):
        program = bin_dir / name
        program.write_text(f"#!{sys.executable}\n{AGENT}")
        program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    code, _, err = flow.ap("run", "--worker", preset)

    logs = flow.root / ".git" / "ap" / "run" / flow.plan_id / "logs"
    assert code == 0, err + "".join(p.read_text() for p in logs.glob("*.log"))
    agent = "claude" if preset == "claude-code" else preset
    assert flow.show(flow.integration, f"src/auth/by_{agent}.txt") == "T1\n"
    report = flow.show(flow.integration, f"docs/sessions/{flow.plan_id}/T1.md")
    assert report.endswith(f"### Change Summary\n- src/auth/by_{agent}.txt\n")


def test_only_the_presets_that_take_mcp_servers_get_one(tmp_path: Path) -> None:
    server = McpServer(tmp_path / "T1.json", env={"AP_PLAN": "p", "AP_TASK": "T1"})
    for preset in ("aider", "gemini"):
        worker = from_config(WorkerConfig(name=preset, preset=preset))
        assert worker.command("prompt.txt", server) == worker.command("prompt.txt")
    own = from_config(WorkerConfig(name="mine", command="my-agent --go"))
    assert own.command("prompt.txt", server) == ["my-agent", "--go"]
    claude = from_config(WorkerConfig(name="c", preset="claude-code"))
    assert claude.command("prompt.txt", server)[-2:] == ["--mcp-config", str(server.config_file)]


def test_the_description_names_the_objective_and_no_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "AP_PLAN": "20261203-x",
        "AP_TASK": "T1",
        "AP_WORKTREE": "/w",
        "ANTHROPIC_API_KEY": "secret",
        "GITHUB_TOKEN": "secret",
    }
    server = objective_server(tmp_path, env)
    assert server is not None and server.config_file == tmp_path / "mcp" / "T1.json"
    described = json.loads(server.config_file.read_text())["mcpServers"]["ap"]
    assert described["env"] == {"AP_PLAN": "20261203-x", "AP_TASK": "T1", "AP_WORKTREE": "/w"}
    assert (
        described["args"] == ["-m", "ap", "mcp"] and "secret" not in server.config_file.read_text()
    )
    # Without the SDK there is no server to offer: the agent runs without one.
    monkeypatch.setattr(config, "sdk_installed", lambda: False)
    assert objective_server(tmp_path / "other", env) is None
    assert not (tmp_path / "other").exists()


def test_an_sdk_older_than_2_is_no_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.sdk_installed()
    monkeypatch.setattr(config.metadata, "version", lambda name: "1.26.0")
    assert not config.sdk_installed()  # its FastMCP is not the server `ap mcp` builds
