"""Agents' work handed over from a job without a token, checked and pushed by one with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ap.core.config import load_config
from ap.core.events import discard
from ap.git import Git
from ap.github.handle import Handler, make_handler
from ap.github.handover import ARTIFACT_PREFIX, HANDOVER, hand_over, take_over
from ap.github.pygithub import PyGithubApi
from ap.github.remote import fetch_plans, mirror_plans
from tests.github.action import World, git, payload
from tests.github.fake_api import FakeGitHub

REQUEST = "Add JWT authentication", "Add a token module in src/auth and routes in src/api."


@pytest.fixture
def world(tmp_path: Path, fake_github: FakeGitHub) -> World:
    return World(tmp_path, fake_github)


def started(world: World) -> tuple[str, list[str]]:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    plan_id = next(b for b in world.branches() if b.endswith("/integration")).split("/")[1]
    return plan_id, world.plan_data(plan_id)["waves"][0]


def agent_checkout(world: World, plan_id: str, task: str) -> Path:
    """As the agent job's checkout: the objective branch checked out, the rest remote-tracking."""
    path = world.clone(f"agent-{task}-{world.runs}")
    git(path, "checkout", "-q", "-B", f"ap/{plan_id}/{task}", f"origin/ap/{plan_id}/{task}")
    mirror_plans(Git(path), "ap/")
    return path


def writer(world: World, tmp: Path) -> Handler:
    """The take-over job's handler, on a fresh clone."""
    event = tmp / "dispatch.json"
    event.write_text(json.dumps(payload("workflow_dispatch")))
    env = {
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": world.fake.repository,
        "GITHUB_API_URL": world.fake.base_url,
        "GITHUB_TOKEN": world.fake.token,
    }
    api = PyGithubApi(world.fake.token, world.fake.repository, base_url=world.fake.base_url,
                      pace=False)  # fmt: skip
    handler = make_handler(Git(world.clone(f"writer-{world.runs}")), env, emit=discard, api=api)
    fetch_plans(handler.git, "ap/")
    return handler


def statuses(world: World, plan_id: str) -> dict[str, str]:
    return {o["id"]: o["status"] for o in world.plan_data(plan_id)["objectives"]}


def test_good_work_is_pushed_with_its_scope_status(world: World, tmp_path: Path) -> None:
    plan_id, wave = started(world)
    task = wave[0]
    path = agent_checkout(world, plan_id, task)
    objective = next(o for o in world.plan_data(plan_id)["objectives"] if o["id"] == task)
    literal = next(p for p in objective["scope_touch"] if not any(c in p for c in "*?["))
    (path / literal).parent.mkdir(parents=True, exist_ok=True)
    (path / literal).write_text("work\n")
    out = tmp_path / "handover" / f"{ARTIFACT_PREFIX}{task}"
    config = load_config(path)
    done = hand_over(Git(path), config, plan_id, task, agent_exit=0, out=out, emit=discard)
    assert done.status == "done"
    notes = take_over(writer(world, tmp_path), plan_id, [task], tmp_path / "handover")
    assert notes == [f"{task}: work pushed"]
    tip = world.tip(f"ap/{plan_id}/{task}")
    assert [(s["sha"], s["state"]) for s in world.fake.statuses] == [(tip, "success")]


def test_a_forged_handover_out_of_scope_is_refused_and_nothing_is_pushed(
    world: World, tmp_path: Path
) -> None:
    plan_id, wave = started(world)
    task = wave[0]
    before = world.tip(f"ap/{plan_id}/{task}")
    path = agent_checkout(world, plan_id, task)
    (path / "ap.yaml").write_text("gates: []\n")  # globally forbidden
    git(path, "add", "-A")
    trailer = f"AP-Plan: {plan_id}\nAP-Task: {task}\nAP-Status: done"
    git(path, "commit", "-q", "--no-verify", "-m", f"sneak\n\n{trailer}")
    out = tmp_path / "handover" / f"{ARTIFACT_PREFIX}{task}"
    out.mkdir(parents=True)
    git(path, "bundle", "create", str(out / "work.bundle"), f"ap/{plan_id}/{task}", f"^{before}")
    (out / HANDOVER).write_text(json.dumps({"plan": plan_id, "task": task, "status": "done",
                                            "exit": 0}))  # fmt: skip
    [note] = take_over(writer(world, tmp_path), plan_id, [task], tmp_path / "handover")
    assert "out of scope" in note and "ap.yaml" in note
    assert world.tip(f"ap/{plan_id}/{task}") == before
    assert world.fake.statuses == []
    assert statuses(world, plan_id)[task] == "failed"


def test_a_rewritten_branch_a_missing_handover_and_a_failed_agent_fail(
    world: World, tmp_path: Path
) -> None:
    plan_id, wave = started(world)
    assert len(wave) >= 2
    first, second = wave[0], wave[1]
    path = agent_checkout(world, plan_id, first)
    git(path, "checkout", "-q", "--orphan", "elsewhere")
    trailer = f"AP-Plan: {plan_id}\nAP-Task: {first}\nAP-Status: done"
    git(path, "commit", "-q", "--no-verify", "-m", f"history of my own\n\n{trailer}")
    git(path, "branch", "-f", f"ap/{plan_id}/{first}", "HEAD")
    out = tmp_path / "handover" / f"{ARTIFACT_PREFIX}{first}"
    out.mkdir(parents=True)
    git(path, "bundle", "create", str(out / "work.bundle"), f"ap/{plan_id}/{first}")
    (out / HANDOVER).write_text(json.dumps({"plan": plan_id, "task": first, "status": "done",
                                            "exit": 0}))  # fmt: skip
    notes = take_over(writer(world, tmp_path), plan_id, [first, second], tmp_path / "handover")
    assert "does not continue its branch" in notes[0]
    assert "handed nothing usable over" in notes[1]
    assert {statuses(world, plan_id)[t] for t in (first, second)} == {"failed"}


def test_a_failed_agent_is_handed_over_as_failed(world: World, tmp_path: Path) -> None:
    plan_id, wave = started(world)
    task = wave[0]
    path = agent_checkout(world, plan_id, task)
    out = tmp_path / "handover" / f"{ARTIFACT_PREFIX}{task}"
    config = load_config(path)
    failed = hand_over(Git(path), config, plan_id, task, agent_exit=7, out=out, emit=discard)
    assert failed.status == "failed" and not (out / "work.bundle").exists()
    [note] = take_over(writer(world, tmp_path), plan_id, [task], tmp_path / "handover")
    assert note == f"{task}: the agent exited with 7"
    assert statuses(world, plan_id)[task] == "failed"


def test_failures_are_recorded_even_when_the_integration_branch_moved_meanwhile(
    world: World, tmp_path: Path
) -> None:
    plan_id, wave = started(world)
    handler = writer(world, tmp_path)  # fetched: its integration branch is about to be stale
    other = world.clone("other-job")
    git(other, "fetch", "-q", "origin", "+refs/heads/ap/*:refs/heads/ap/*")
    git(other, "checkout", "-q", f"ap/{plan_id}/integration")
    # A step of ap's own (one that moves no objective), as another job would publish it:
    # a commit ap did not make would be refused, not built on.
    message = f"another job's step\n\nAP-Plan: {plan_id}\nAP-Step: cancel"
    git(other, "commit", "-q", "--allow-empty", "-m", message)
    git(other, "push", "-q", "origin", f"ap/{plan_id}/integration")
    moved = world.tip(f"ap/{plan_id}/integration")
    [note] = take_over(handler, plan_id, [wave[0]], tmp_path / "nothing")
    assert "handed nothing usable over" in note
    assert statuses(world, plan_id)[wave[0]] == "failed"
    assert (
        git(world.origin, "merge-base", "--is-ancestor", moved, f"ap/{plan_id}/integration") == ""
    )
