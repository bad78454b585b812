"""`ap run` with a worker that does everything through `ap mcp`: the objectives merge."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from tests.run.conftest import planned_flow

# Reads nothing of its prompt or environment but what starting `ap mcp` needs.
WORKER = """\
import json, os, sys
import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client


async def call(session, tool, **arguments):
    result = await session.call_tool(tool, arguments)
    text = "".join(c.text for c in result.content)
    assert not result.is_error, f"{tool}: {text}"
    return json.loads(text)


async def main():
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "ap", "mcp"], env=dict(os.environ)
    )
    async with stdio_client(server) as (read, write), ClientSession(read, write) as s:
        await s.initialize()
        objective = await call(s, "objective")
        target = objective["scope_touch"][0].rstrip("/") + "/by_mcp.txt"
        answer = await call(s, "may_edit", path=target)
        assert answer["allowed"], answer
        refused = await call(s, "may_edit", path="README.md")
        assert not refused["allowed"], refused
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as out:
            out.write(f"{objective['task']}: {objective['title']}\\n")
        if objective["task"] == "T1":  # a free path: granted, written, merged
            await call(s, "request_scope", pattern="docs/guide.md", why="document tokens")
            assert (await call(s, "may_edit", path="docs/guide.md"))["allowed"]
            with open("docs/guide.md", "a") as out:
                out.write("tokens\\n")
        if objective["task"] == "T2":  # T1's folder: refused, naming T1
            result = await s.call_tool(
                "request_scope", {"pattern": "src/auth/x.py", "why": "share code"}
            )
            assert result.is_error and "overlaps T1" in result.content[0].text, result
        await call(s, "report_progress", line=f"wrote {target}")
        print(f"worker: {objective['task']} finished", flush=True)
        await call(
            s,
            "submit_response",
            response=f"Wrote {target}.\\n\\n### Change Summary\\n- {target}: added\\n",
        )


anyio.run(main)
"""


def test_a_worker_using_only_mcp_calls_gets_its_objectives_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = planned_flow(tmp_path / "repo", capsys)
    script = tmp_path / "mcp_worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(f"team:\n  - name: mcp\n    command: {command}\n")

    code, _, err = flow.ap("run")

    logs = flow.root / ".git" / "ap" / "run" / flow.plan_id / "logs"
    assert code == 0, err + "".join(p.read_text() for p in logs.glob("*.log"))
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    assert flow.show(flow.integration, "docs/guide.md") == "guide\ntokens\n"
    assert "src/auth/x.py" not in flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    for task, folder in (("T1", "src/auth"), ("T2", "src/api"), ("T3", "tests")):
        assert flow.show(flow.integration, f"{folder}/by_mcp.txt").startswith(f"{task}: ")
        report = flow.show(flow.integration, f"docs/sessions/{flow.plan_id}/{task}.md")
        assert report.endswith(f"### Change Summary\n- {folder}/by_mcp.txt: added\n")
        # The progress line and the worker's own output, both kept, in order.
        lines = (logs / f"{task}.log").read_text().splitlines()
        progress = lines.index(f"progress: wrote {folder}/by_mcp.txt")
        assert lines.index(f"worker: {task} finished") > progress
