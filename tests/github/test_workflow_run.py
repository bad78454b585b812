"""The shipped workflows, run step by step as a runner would, against the fake GitHub.

Agent mode with a scripted agent, through every wave to the accomplishment: each
objective's agent runs exactly once, with no token anywhere in its environment or
its checkout's git config; then an agent that fails, and ``/ap retry`` recovering.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ap.cli import main
from tests.github.action import FILES, WRITER, git, payload
from tests.github.fake_api import FakeGitHub
from tests.github.runner import Runner, RunResult, environment_of
from tests.helpers import make_repo

REQUIREMENT = "git+https://github.com/octo/ap.git@" + "a" * 40
REQUEST = "Add JWT authentication", "Add a token module in src/auth and routes in src/api."

AGENT = r"""
import os, pathlib, subprocess, sys

log = pathlib.Path(sys.argv[1])
task, plan = os.environ["AP_TASK"], os.environ["AP_PLAN"]
prompt = sys.stdin.read()
runs = log / "runs.txt"
count = runs.read_text().count(f"{plan} {task}\n") if runs.exists() else 0
with runs.open("a") as f:
    f.write(f"{plan} {task}\n")
name = f"{task}-{count}"
(log / f"env-{name}").write_bytes(
    b"\0".join(f"{k}={v}".encode() for k, v in os.environ.items())
)
listing = ["git", "config", "--list", "--show-origin"]
config = subprocess.run(listing, capture_output=True, text=True)
(log / f"gitconfig-{name}").write_text(config.stdout)
fail = log / f"fail-{task}"
if fail.exists():
    fail.unlink()
    sys.exit(3)
line = next(l for l in prompt.splitlines() if l.startswith("SCOPE_TOUCH="))
scope = [p.strip() for p in line.split("=", 1)[1].split(",") if p.strip()]
literal = next(p for p in scope if not any(c in p for c in "*?["))
target = pathlib.Path(literal.lstrip("/") + ("work.txt" if literal.endswith("/") else ""))
target.parent.mkdir(parents=True, exist_ok=True)
with target.open("a") as f:
    f.write(f"\n# work of {task}\n")
"""


# A push from a job (the runner sets AP_TEST_CONTENTS) needs contents: write, as with
# GITHUB_TOKEN; the test's own pushes (a person's) set nothing.
PRE_RECEIVE = """#!/bin/sh
if [ -n "$AP_TEST_CONTENTS" ] && [ "$AP_TEST_CONTENTS" != write ]; then
    echo "remote: Permission to push denied to github-actions[bot] ($AP_TEST_CONTENTS)" >&2
    exit 1
fi
"""


class GitHubWorld:
    """origin, the fake GitHub, the runner, and GitHub's part: events and dispatches."""

    def __init__(self, tmp: Path, fake: FakeGitHub, *, agents: bool = True) -> None:
        self.tmp, self.fake = tmp, fake
        self.origin = tmp / "origin.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.origin))
        hook = self.origin / "hooks" / "pre-receive"
        hook.write_text(PRE_RECEIVE)
        hook.chmod(0o755)
        seed = make_repo(tmp / "seed", FILES)
        self.log = tmp / "agent-log"
        self.log.mkdir()
        agent = tmp / "agent.py"
        agent.write_text(AGENT)
        command = (
            f"{shlex.quote(sys.executable)} {shlex.quote(str(agent))} {shlex.quote(str(self.log))}"
        )
        assert (
            main(["-C", str(seed.root), "init", "--github", "--ap-requirement", REQUIREMENT]) == 0
        )
        caller = seed.root / ".github" / "workflows" / "ap-request.yml"
        text = caller.read_text()
        assert 'agent-command: ""' in text
        if agents:
            text = text.replace('agent-command: ""', f"agent-command: {json.dumps(command)}")
        caller.write_text(text)
        # A gate that records the environment it runs in (and what it ran on).
        gate = f"env -0 > {shlex.quote(str(self.log))}/gate-env-$$ && test -f src/auth/jwt.py"
        with (seed.root / "ap.yaml").open("a") as config:
            config.write(f"gates:\n  - name: env\n    command: {json.dumps(gate)}\n")
        seed.commit("chore: ap init --github")
        git(seed.root, "push", "-q", str(self.origin), "main")
        fake.permissions.update({WRITER: "write", "mallory": "read"})
        fake.workflows.add("ap-request.yml")
        self.runner = Runner(tmp, self.origin, seed.root / ".github" / "workflows", fake)
        self.results: list[RunResult] = []

    def _event(self, data: dict[str, Any]) -> dict[str, Any]:
        data["repository"].update(default_branch="main", full_name=self.fake.repository)
        return data

    def run(self, event: str, data: dict[str, Any]) -> RunResult:
        result = self.runner.run(event, self._event(data))
        self.results.append(result)
        return result

    def labeled(self, number: int) -> RunResult:
        issue = self.fake.issues[number]
        data = payload("issues", "labeled")
        data["label"]["name"] = "ap-request"
        data["issue"].update(number=number, title=issue["title"], body=issue["body"])
        data["sender"]["login"] = WRITER
        return self.run("issues", data)

    def commented(self, number: int, body: str, association: str = "OWNER") -> RunResult:
        data = payload("issue_comment", "created")
        data["issue"].update(number=number)
        data["issue"].pop("pull_request", None)
        data["comment"].update(body=body, author_association=association)
        data["comment"]["user"]["login"] = WRITER
        data["sender"]["login"] = WRITER
        return self.run("issue_comment", data)

    def pushed_by_a_person(self, task: str) -> RunResult:
        """A writer works on ``task`` in their clone, submits and pushes; GitHub's push event."""
        path = self.tmp / f"person-{task}-{len(self.results)}"
        git(self.tmp, "clone", "-q", str(self.origin), str(path))
        git(path, "fetch", "-q", "origin", "+refs/heads/ap/*:refs/heads/ap/*")
        branch = f"ap/{self.plan_id()}/{task}"
        git(path, "checkout", "-q", branch)
        objective = next(o for o in self.plan()["objectives"] if o["id"] == task)
        literal = next(p for p in objective["scope_touch"] if not any(c in p for c in "*?["))
        target = path / (literal + "work.txt" if literal.endswith("/") else literal)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a") as f:
            f.write(f"\n# work of {task}\n")
        assert main(["-C", str(path), "submit", "-m", f"work of {task}"]) == 0
        git(path, "push", "-q", "origin", branch)
        data = payload("push", ref_prefix="refs/heads/")
        tip = git(self.origin, "rev-parse", branch).strip()
        data.update(ref=f"refs/heads/{branch}", after=tip, deleted=False)
        return self.run("push", data)

    def settle(self, limit: int = 12) -> None:
        """GitHub starting each dispatched run (pushes by GITHUB_TOKEN start none)."""
        done = 0
        while done < len(self.fake.dispatches):
            assert done < limit, "the workflow keeps dispatching itself"
            dispatch = self.fake.dispatches[done]
            done += 1
            assert dispatch["workflow"] == "ap-request.yml" and dispatch["ref"] == "main"
            data = payload("workflow_dispatch")
            data.update(ref="refs/heads/main", inputs=dispatch["inputs"])
            self.run("workflow_dispatch", data)

    def plan_id(self) -> str:
        out = git(self.origin, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads/ap/")
        [integration] = [b for b in out.split() if b.endswith("/integration")]
        return integration.split("/")[1]

    def plan(self) -> dict[str, Any]:
        from ap.core.frontmatter import load_front_matter

        plan_id = self.plan_id()
        text = git(self.origin, "show", f"ap/{plan_id}/integration:docs/plans/PLAN_{plan_id}.md")
        return load_front_matter(text, where=plan_id)

    def agent_runs(self) -> list[str]:
        runs = self.log / "runs.txt"
        return runs.read_text().split("\n")[:-1] if runs.exists() else []

    def logs(self) -> str:
        return "\n".join(r.log() for r in self.results)


@pytest.fixture
def world(tmp_path: Path, fake_github: FakeGitHub) -> GitHubWorld:
    return GitHubWorld(tmp_path, fake_github)


def test_agent_mode_reaches_the_accomplishment_with_each_agent_run_once(world: GitHubWorld) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    plan_id = world.plan_id()
    approve = world.commented(number, "/ap approve")
    assert approve.jobs["work"] == "success", world.logs()
    world.settle()
    data = world.plan()
    assert data["status"] == "done", world.logs()
    tasks = sorted(o["id"] for o in data["objectives"])
    assert sorted(r.split()[1] for r in world.agent_runs()) == tasks  # each exactly once
    assert {o["status"] for o in data["objectives"]} == {"merged"}
    integration = f"ap/{plan_id}/integration"
    assert git(
        world.origin, "show", f"{integration}:docs/accomplishments/ACCOMPLISHMENT_{plan_id}.md"
    )
    [pull] = world.fake.pulls.values()
    assert pull["draft"] is False
    # every agent push got its scope status, from the job that pushed it
    for o in data["objectives"]:
        tip = git(world.origin, "rev-parse", f"ap/{plan_id}/{o['id']}").strip()
        assert any(s["sha"] == tip and s["state"] == "success" for s in world.fake.statuses), o[
            "id"
        ]
    assert git(world.origin, "rev-parse", "main").strip()  # main untouched by ap


def test_agents_and_gates_hold_no_token(world: GitHubWorld) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    tokens = {world.fake.token, *world.fake.tokens}
    envs = sorted(world.log.glob("env-*")) + sorted(world.log.glob("gate-env-*"))
    assert list(world.log.glob("gate-env-*")) and len(envs) > 2, world.logs()
    for path in envs:
        env = environment_of(path)
        assert not {k for k in env if "TOKEN" in k}, sorted(env)
        assert not any(t in value for t in tokens for value in env.values()), path.name
    for path in world.log.glob("gitconfig-*"):
        config = path.read_text()
        assert "extraheader" not in config.lower() and "authorization" not in config.lower()
        assert not any(t in config for t in tokens)


def test_a_failed_agent_leaves_the_pr_draft_and_retry_recovers(world: GitHubWorld) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    (world.log / "fail-T1").write_text("")
    world.commented(number, "/ap approve")
    world.settle()
    data = world.plan()
    statuses = {o["id"]: o["status"] for o in data["objectives"]}
    assert statuses["T1"] == "failed", world.logs()
    [pull] = world.fake.pulls.values()
    assert pull["draft"] is True
    [status] = [c for c in world.fake.comments_on(number) if c["author"].endswith("[bot]")]
    assert "Every wave is merged" not in status["body"]
    assert "T1 failed" in status["body"] and "draft" in status["body"]
    world.commented(number, "/ap retry T1")
    world.settle()
    data = world.plan()
    assert data["status"] == "done", world.logs()
    assert {o["status"] for o in data["objectives"]} == {"merged"}
    assert world.agent_runs().count(f"{world.plan_id()} T1") == 2
    others = [r for r in world.agent_runs() if not r.endswith(" T1")]
    assert len(others) == len(set(others))  # the others ran once each
    [pull] = world.fake.pulls.values()
    assert pull["draft"] is False


def test_comments_from_outside_the_repository_start_nothing(world: GitHubWorld) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    before = len(world.fake.requests)
    for association in ("NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"):
        assert world.commented(number, "/ap approve", association).started is False
    assert len(world.fake.requests) == before


def test_people_push_their_work_and_gates_merge_each_wave(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    world = GitHubWorld(tmp_path, fake_github, agents=False)
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    approve = world.commented(number, "/ap approve")
    assert approve.jobs["work"] == "skipped" and world.fake.dispatches == []
    for wave in world.plan()["waves"]:
        for task in wave:
            result = world.pushed_by_a_person(task)
            assert result.jobs["handle"] == "success", world.logs()
    data = world.plan()
    assert data["status"] == "done", world.logs()
    assert world.agent_runs() == [] and world.fake.dispatches == []
    gate_envs = list(world.log.glob("gate-env-*"))
    assert len(gate_envs) == len(data["waves"])  # the gates ran once per wave, in the gates job
    tokens = {world.fake.token, *world.fake.tokens}
    for path in gate_envs:
        assert not any(t in v for t in tokens for v in environment_of(path).values())
    [pull] = world.fake.pulls.values()
    assert pull["draft"] is False


def test_a_job_without_contents_write_cannot_push(tmp_path: Path, fake_github: FakeGitHub) -> None:
    """The origin of these tests refuses what GitHub refuses a read-only job token."""
    world = GitHubWorld(tmp_path, fake_github)
    clone = tmp_path / "reader"
    git(tmp_path, "clone", "-q", str(world.origin), str(clone))
    git(clone, "commit", "-q", "--allow-empty", "-m", "x")
    env = {**os.environ, "AP_TEST_CONTENTS": "read"}
    proc = subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/ap/x"], cwd=clone,
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode != 0 and "Permission to push denied" in proc.stderr
