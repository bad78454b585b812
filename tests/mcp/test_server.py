"""`ap mcp` driven by the MCP SDK's own stdio client, in an objective's worktree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp")

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.run.conftest import Flow

TOOLS = {"objective", "may_edit", "request_scope", "report_progress", "submit_response"}
Calls = Callable[[ClientSession], Awaitable[Any]]


def with_server(cwd: Path, calls: Calls, env: dict[str, str] | None = None) -> Any:
    """Start `ap mcp` in ``cwd`` over stdio, run ``calls`` on a session, return their result."""

    async def session() -> Any:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "ap", "mcp"],
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
                await s.initialize()
                return await calls(s)

    return anyio.run(session)


def text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def data(result: Any) -> dict[str, Any]:
    assert not result.is_error, text(result)
    found: dict[str, Any] = json.loads(text(result))
    return found


def test_lists_its_tools_and_reads_the_objective_from_the_integration_branch(
    flow: Flow,
) -> None:
    # T3 (wave 2) has no branch yet: named by AP_PLAN/AP_TASK, off its branch.
    # A plan in the checkout says otherwise: it is not what the server reads.
    plan = flow.root / "docs" / "plans" / f"PLAN_{flow.plan_id}.md"
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_text(f"---\nid: {flow.plan_id}\nobjectives: [{{id: T3, title: x}}]\n---\n")

    async def calls(s: ClientSession) -> Any:
        response = {"response": "### Change Summary\n- none\n"}
        return (
            await s.list_tools(),
            await s.call_tool("objective", {}),
            await s.call_tool("submit_response", response),
        )

    env = {"AP_PLAN": flow.plan_id, "AP_TASK": "T3"}
    tools, objective, submitted = with_server(flow.root, calls, env)
    # Off its branch, the report would land in another checkout: refused.
    assert submitted.is_error and f"not on {flow.branch('T3')}" in text(submitted)
    assert not (flow.root / "docs" / "sessions" / flow.plan_id).exists()
    assert {t.name for t in tools.tools} == TOOLS
    reading = {t.name for t in tools.tools if t.annotations and t.annotations.read_only_hint}
    assert reading == {"objective", "may_edit"}
    got = data(objective)
    assert (got["plan_id"], got["task"], got["title"]) == (flow.plan_id, "T3", "Tests")
    assert got["scope_touch"] == ["tests/"] and got["depends_on"] == ["T1", "T2"]
    assert got["integration_points"] == ["calls auth.jwt.issue(user)"]
    assert {".github/workflows/", "docs/plans/"} <= set(got["scope_forbid"])
    assert got["report_path"] == f"docs/sessions/{flow.plan_id}/T3.md"
    assert {"contracts_provided", "contracts_consumed", "acceptance"} <= set(got)


def test_may_edit_answers_with_the_hooks_check_and_its_reason(flow: Flow) -> None:
    wt = flow.worktree("T1")
    paths = [
        "src/auth/jwt.py",
        "src/api/routes.py",
        "docs/guide.md",
        f"docs/plans/PLAN_{flow.plan_id}.md",
        ".github/workflows/ci.yml",
        f"docs/sessions/{flow.plan_id}/T1.md",
        str(wt / "src" / "auth" / "new.py"),
    ]

    async def calls(s: ClientSession) -> Any:
        return [await s.call_tool("may_edit", {"path": p}) for p in paths]

    answers = [data(r) for r in with_server(wt, calls)]
    allowed = {a["path"]: (a["allowed"], a["reason"]) for a in answers}
    assert allowed["src/auth/jwt.py"] == (True, "covered by scope_touch 'src/auth/'")
    assert allowed["src/api/routes.py"] == (False, "forbidden by 'src/api/'")
    assert allowed["docs/guide.md"] == (False, "outside scope_touch")
    assert allowed[f"docs/plans/PLAN_{flow.plan_id}.md"] == (False, "forbidden by 'docs/plans/'")
    assert allowed[".github/workflows/ci.yml"][1].endswith("(global forbid)")
    assert allowed[f"docs/sessions/{flow.plan_id}/T1.md"][0] is True
    assert allowed["src/auth/new.py"][0] is True  # an absolute path inside the worktree


def test_bad_arguments_are_clear_tool_errors_and_the_server_goes_on(flow: Flow) -> None:
    wt = flow.worktree("T1")

    async def calls(s: ClientSession) -> Any:
        return [
            await s.call_tool("may_edit", {}),
            await s.call_tool("may_edit", {"path": "../etc/passwd"}),
            await s.call_tool("may_edit", {"path": "/etc/passwd"}),
            await s.call_tool("request_scope", {"pattern": "docs/x.md", "why": " "}),
            await s.call_tool("report_progress", {"line": "\x1b[2J  "}),
            await s.call_tool("no_such_tool", {}),
            await s.call_tool("may_edit", {"path": "src/auth/jwt.py"}),
        ]

    *errors, last = with_server(wt, calls)
    assert all(r.is_error for r in errors), [text(r) for r in errors]
    missing, dotdot, outside, no_why, empty, unknown = map(text, errors)
    assert "path" in missing and "required" in missing.lower()
    assert "rejected" in dotdot
    assert "outside this worktree" in outside
    assert "say why" in no_why and "hint:" in no_why
    assert "empty" in empty
    assert "no_such_tool" in unknown
    assert data(last)["allowed"] is True


def test_scope_request_is_refused_naming_the_objective_or_granted_when_free(
    flow: Flow,
) -> None:
    wt = flow.worktree("T1")
    tip = flow.repo.git("rev-parse", flow.integration)

    async def refused(s: ClientSession) -> Any:
        return await s.call_tool(
            "request_scope", {"pattern": "src/api/helpers.py", "why": "shared code"}
        )

    result = with_server(wt, refused)
    assert result.is_error
    assert "overlaps T2 ('src/api/')" in text(result) and "src/api/helpers.py" in text(result)
    assert flow.repo.git("rev-parse", flow.integration) == tip  # nothing recorded

    async def granted(s: ClientSession) -> Any:
        grant = await s.call_tool("request_scope", {"pattern": "docs/guide.md", "why": "docs"})
        return grant, await s.call_tool("may_edit", {"path": "docs/guide.md"})

    grant, check = with_server(wt, granted)
    assert data(grant) == {"granted": True, "pattern": "docs/guide.md", "why": "docs"}
    assert data(check)["allowed"] is True
    assert "pattern: docs/guide.md" in flow.show(
        flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md"
    )


def test_progress_goes_to_the_run_log_and_the_response_to_the_report(flow: Flow) -> None:
    wt = flow.worktree("T2")
    report = wt / "docs" / "sessions" / flow.plan_id / "T2.md"
    good = "Routes added.\n\n### Change Summary\n- src/api/routes.py: routes\n"

    async def calls(s: ClientSession) -> Any:
        progress = await s.call_tool("report_progress", {"line": "writing\nroutes \x1b[31m"})
        bad = await s.call_tool("submit_response", {"response": "all done"})
        written = report.exists()
        ok = await s.call_tool("submit_response", {"response": good})
        return progress, bad, written, ok

    progress, bad, written_after_bad, ok = with_server(wt, calls)
    assert data(progress) == {"recorded": "writing routes"}
    log = flow.root / ".git" / "ap" / "run" / flow.plan_id / "logs" / "T2.log"
    assert log.read_text().splitlines()[-1] == "progress: writing routes"
    shown = flow.ok("status")  # the running objective's latest activity
    assert "last: progress: writing routes" in shown and shown.count("last:") == 1
    assert bad.is_error and "### Change Summary" in text(bad) and not written_after_bad
    assert data(ok)["status"] == "done" and report.read_text() == good
    (wt / "src" / "api" / "routes.py").write_text("ROUTES = ['/login']\n")
    flow.ok("submit", cwd=wt)  # the report is ap's own format around the response
    assert flow.show(flow.branch("T2"), f"docs/sessions/{flow.plan_id}/T2.md").endswith(good)


def test_a_failure_report_is_a_valid_response(flow: Flow) -> None:
    wt = flow.worktree("T2")

    async def calls(s: ClientSession) -> Any:
        return await s.call_tool(
            "submit_response", {"response": "### Failure Report\nthe API is frozen\n"}
        )

    assert data(with_server(wt, calls))["status"] == "failed"


def ap_mcp(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ap", "mcp"],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_outside_an_objective_it_refuses_to_start(flow: Flow) -> None:
    proc = ap_mcp(flow.root)  # on main, no AP_PLAN/AP_TASK
    assert proc.returncode == 2 and "no objective here" in proc.stderr
    assert "hint:" in proc.stderr and proc.stdout == ""
    # A worktree on one objective, told it is another: refused.
    wt = flow.worktree("T1")
    proc = ap_mcp(wt, {"AP_PLAN": flow.plan_id, "AP_TASK": "T2"})
    assert proc.returncode == 2 and "T1" in proc.stderr and "T2" in proc.stderr
    # Named by the environment only: it must be an objective of a started plan.
    for plan, task in ((flow.plan_id, "../../../../evil"), ("../x", "T1"), ("20990101-no", "T1")):
        proc = ap_mcp(flow.root, {"AP_PLAN": plan, "AP_TASK": task})
        assert proc.returncode in (1, 2) and "error:" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not list(flow.root.rglob("evil*"))


def test_without_the_sdk_it_says_how_to_install_it(flow: Flow, tmp_path: Path) -> None:
    blocked = tmp_path / "no-mcp"
    (blocked / "mcp").mkdir(parents=True)
    (blocked / "mcp" / "__init__.py").write_text("raise ImportError('not installed')\n")
    path = os.pathsep.join(filter(None, [str(blocked), os.environ.get("PYTHONPATH")]))
    proc = ap_mcp(flow.worktree("T1"), {"PYTHONPATH": path})
    assert proc.returncode == 2, proc.stderr
    assert "analytic-programming[mcp]" in proc.stderr and "Traceback" not in proc.stderr


def test_help_and_the_hook_do_not_load_the_sdk() -> None:
    code = (
        "import sys\n"
        "from ap.cli import main\n"
        "main(['--help'])\n"
        "import ap.run.hookcheck\n"
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith('mcp.')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]"
