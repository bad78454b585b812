from __future__ import annotations

import json
from pathlib import Path

import pytest

from ap.core.errors import CheckFailed
from ap.github.api import status_marker
from tests.github.action import READER, World
from tests.github.fake_api import FakeGitHub

REQUEST = "Add JWT authentication", "Add a token module in src/auth and routes in src/api."


@pytest.fixture
def world(tmp_path: Path, fake_github: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> World:
    w = World(tmp_path, fake_github)
    capsys.readouterr()
    return w


def plan_of(world: World) -> str:
    names = [b for b in world.branches() if b.endswith("/integration")]
    assert len(names) == 1, names
    return names[0].split("/")[1]


def test_label_plans_on_the_integration_branch_with_a_draft_pr_and_one_comment(
    world: World,
) -> None:
    number = world.fake.add_issue(*REQUEST)
    before = world.tip("main")
    result = world.labeled(number)
    plan_id = plan_of(world)
    assert result.step == "planned" and result.plan_id == plan_id
    assert world.tip("main") == before  # nothing on the default branch
    data = world.plan_data(plan_id)
    assert data["source"] == {"kind": "issue", "ref": str(number)}
    assert data["status"] == "planned"
    assert world.branches() == ["ap/" + plan_id + "/integration", "main"]
    [pull] = world.fake.pulls.values()
    assert pull["head"] == f"ap/{plan_id}/integration" and pull["base"] == "main"
    assert pull["draft"] is True
    [comment] = world.fake.comments_on(number)
    assert comment["body"].startswith(status_marker(plan_id))
    assert "```mermaid" in comment["body"] and "| Wave | Objective |" in comment["body"]
    assert "/ap approve" in comment["body"]
    outputs = world.outputs_text()
    assert f"\n{plan_id}\n" in outputs and "matrix<<" in outputs


def test_labelling_again_converges(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    plan_id = plan_of(world)
    tip = world.tip(f"ap/{plan_id}/integration")
    again = world.labeled(number)
    assert again.plan_id == plan_id and plan_of(world) == plan_id
    assert world.tip(f"ap/{plan_id}/integration") == tip
    assert len(world.fake.pulls) == 1 and len(world.fake.comments_on(number)) == 1


def test_other_labels_and_pull_requests_are_ignored(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    assert world.labeled(number, label="bug").step == "ignored"
    assert world.fake.writes() == [] and world.branches() == ["main"]


def test_a_reader_cannot_plan_or_approve_and_is_told_why(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    refused = world.labeled(number, sender=READER)
    assert refused.step == "refused" and "read permission" in refused.message
    assert world.branches() == ["main"]
    [answer] = world.fake.comments_on(number)
    assert "read permission" in answer["body"] and "write" in answer["body"]
    assert [w.method for w in world.fake.writes()] == ["POST"]  # that one comment, nothing else
    world.labeled(number)
    plan_id = plan_of(world)
    writes = len(world.fake.writes())
    refused = world.commented(number, "/ap approve", sender=READER)
    assert refused.step == "refused"
    assert world.branches() == [f"ap/{plan_id}/integration", "main"]
    assert len(world.fake.writes()) == writes + 1
    assert "/ap approve needs write" in world.fake.comments_on(number)[-1]["body"].replace("\\", "")


def test_approve_starts_wave_one_on_origin_and_outputs_the_matrix(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    plan_id = plan_of(world)
    result = world.commented(number, "thanks!\n/ap approve")
    assert result.step == "started"
    wave1 = [o["id"] for o in world.plan_data(plan_id)["objectives"] if o["wave"] == 1]
    assert sorted(world.branches()) == sorted(
        [f"ap/{plan_id}/integration", "main", *(f"ap/{plan_id}/{t}" for t in wave1)]
    )
    assert {e["task"] for e in result.matrix} == set(wave1)
    matrix = json.loads(world.outputs_text().split("matrix<<")[1].split("\n")[1])
    assert {e["branch"] for e in matrix["include"]} == {f"ap/{plan_id}/{t}" for t in wave1}
    again = world.commented(number, "/ap approve")
    assert again.step == "waiting" and len(world.fake.comments_on(number)) == 1


def test_status_retry_and_cancel(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    plan_id = plan_of(world)
    assert world.commented(number, "/ap status").step == "status"
    retry = world.commented(number, "/ap retry T1")
    assert retry.step == "refused"
    status = next(c for c in world.fake.comments_on(number) if c["author"].endswith("[bot]"))
    assert "only a failed objective can be retried" in status["body"]
    assert world.commented(number, "/ap cancel").step == "cancelled"
    assert world.plan_data(plan_id)["status"] == "cancelled"
    with pytest.raises(CheckFailed, match="cancelled"):
        world.commented(number, "/ap approve")
    assert world.branches() == [f"ap/{plan_id}/integration", "main"]


def test_a_comment_without_a_command_or_on_an_unplanned_issue(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    assert world.commented(number, "looks good").step == "ignored"
    with pytest.raises(CheckFailed, match="no plan"):
        world.commented(number, "/ap status")


def test_push_out_of_scope_fails_the_status_check(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    plan_id = plan_of(world)
    from tests.github.action import git

    work = world.clone("intruder")
    git(work, "fetch", "-q", "origin", "+refs/heads/ap/*:refs/heads/ap/*")
    git(work, "checkout", "-q", f"ap/{plan_id}/T1")
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "evil.yml").write_text("on: push\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "--no-verify", "-m", "sneak")
    git(work, "push", "-q", "origin", f"ap/{plan_id}/T1")
    world.pushed(f"ap/{plan_id}/T1")
    [status] = world.fake.statuses
    assert status["state"] == "failure" and status["context"] == "ap/scope"
    assert status["sha"] == world.tip(f"ap/{plan_id}/T1")


def test_retry_gives_a_failed_objective_a_fresh_branch(world: World) -> None:
    from tests.github.action import git

    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    plan_id = plan_of(world)
    wave1 = world.plan_data(plan_id)["waves"][0]
    bad = wave1[0]
    work = world.clone("intruder")
    git(work, "fetch", "-q", "origin", "+refs/heads/ap/*:refs/heads/ap/*")
    git(work, "checkout", "-q", f"ap/{plan_id}/{bad}")
    (work / "ap.yaml").write_text("gates: []\n")  # globally forbidden
    git(work, "add", "-A")
    trailer = f"AP-Plan: {plan_id}\nAP-Task: {bad}\nAP-Status: done"
    git(work, "commit", "-q", "--no-verify", "-m", f"sneak\n\n{trailer}")
    git(work, "push", "-q", "origin", f"ap/{plan_id}/{bad}")
    failed_tip = world.tip(f"ap/{plan_id}/{bad}")
    world.pushed(f"ap/{plan_id}/{bad}")
    for task in wave1[1:]:
        world.work(plan_id, task)
        world.pushed(f"ap/{plan_id}/{task}")
    statuses = {o["id"]: o["status"] for o in world.plan_data(plan_id)["objectives"]}
    assert statuses[bad] == "failed"
    result = world.commented(number, f"/ap retry {bad}")
    assert bad in {e["task"] for e in result.matrix}
    assert world.tip(f"ap/{plan_id}/{bad}") != failed_tip  # a fresh branch on origin
    kept = git(world.origin, "for-each-ref", "--format=%(objectname)", "refs/ap/attempts/")
    assert failed_tip in kept  # the failed attempt is kept, not lost
    world.work(plan_id, bad)
    world.pushed(f"ap/{plan_id}/{bad}")
    statuses = {o["id"]: o["status"] for o in world.plan_data(plan_id)["objectives"]}
    assert statuses[bad] == "merged"


def test_the_whole_cycle(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    main_before = world.tip("main")
    world.labeled(number)
    plan_id = plan_of(world)
    world.commented(number, "/ap approve")
    waves: list[list[str]] = world.plan_data(plan_id)["waves"]
    for wave in waves:
        for task in wave:
            world.work(plan_id, task)
            result = world.pushed(f"ap/{plan_id}/{task}")
    assert result.step == "accomplished"
    data = world.plan_data(plan_id)
    assert data["status"] == "done"
    assert {o["status"] for o in data["objectives"]} == {"merged"}
    assert all(s["state"] == "success" for s in world.fake.statuses)
    assert len(world.fake.statuses) == sum(len(w) for w in waves)
    integration = f"ap/{plan_id}/integration"
    assert world.show(integration, f"docs/accomplishments/ACCOMPLISHMENT_{plan_id}.md")
    [pull] = world.fake.pulls.values()
    assert pull["draft"] is False
    [status] = [c for c in world.fake.comments_on(number) if c["author"].endswith("[bot]")]
    assert "accomplishment is committed" in status["body"]
    assert world.tip("main") == main_before  # ap never moves the default branch
    accomplished = world.tip(integration)
    again = world.pushed(f"ap/{plan_id}/{waves[-1][-1]}")
    assert again.step == "accomplished" and world.tip(integration) == accomplished


def test_workflow_dispatch_resumes_the_plan_it_names(world: World) -> None:
    from tests.github.action import payload

    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    plan_id = plan_of(world)
    data = payload("workflow_dispatch")
    data["inputs"] = {"plan": plan_id}
    result = world.handle("workflow_dispatch", data)
    assert result.step == "waiting" and result.matrix
    data["inputs"] = {"plan": "../../etc"}
    with pytest.raises(CheckFailed, match="not a plan id"):
        world.handle("workflow_dispatch", data)


def test_the_cli_entry_point_writes_its_outputs(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ap.cli import main
    from tests.github.action import payload

    event = tmp_path / "push.json"
    event.write_text(json.dumps(payload("push", ref_prefix="refs/heads/")))
    output = tmp_path / "github-output"
    env = {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": world.fake.repository,
        "GITHUB_API_URL": world.fake.base_url,
        "GITHUB_TOKEN": world.fake.token,
        "GITHUB_OUTPUT": str(output),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    clone = world.clone("cli")
    assert main(["-C", str(clone), "--json", "github", "handle"]) == 0
    assert "step<<" in output.read_text() and "ignored" in output.read_text()
    assert world.fake.requests == []


def test_a_cancelled_push_run_loses_no_status_and_no_merge(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    plan_id = plan_of(world)
    first, *rest = world.plan_data(plan_id)["waves"][0]
    world.work(plan_id, first)  # its push run was cancelled while pending: no event
    for task in rest:
        world.work(plan_id, task)
    result = world.pushed(f"ap/{plan_id}/{rest[-1]}")
    tips = {world.tip(f"ap/{plan_id}/{t}") for t in [first, *rest]}
    assert {s["sha"] for s in world.fake.statuses if s["state"] == "success"} == tips
    assert result.step in ("merged", "started")
    assert {o["status"] for o in world.plan_data(plan_id)["objectives"] if o["wave"] == 1} == {
        "merged"
    }


def test_work_is_claimed_once_and_only_the_advance_job_dispatches(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    plan_id = plan_of(world)
    approve = world.commented(number, "/ap approve", claim=True, merge=False)
    wave1 = set(world.plan_data(plan_id)["waves"][0])
    assert {e["task"] for e in approve.matrix} == wave1
    assert world.fake.dispatches == []  # this run's own work job takes the wave
    again = world.dispatched(plan_id, claim=True, merge=False)
    assert again.matrix == []  # claimed already: no second agent
    status = world.commented(number, "/ap status", claim=True, merge=False)
    assert status.matrix == []
    advanced = world.dispatched(plan_id, dispatch="ap.yml")
    assert advanced.matrix == [] and world.fake.dispatches == []  # nothing unclaimed
    for task in sorted(wave1):
        world.work(plan_id, task)
    held = world.pushed(f"ap/{plan_id}/{sorted(wave1)[-1]}", merge=False)
    assert held.step == "merge-due"
    advanced = world.dispatched(plan_id, dispatch="ap.yml")
    assert advanced.step == "started"
    assert world.fake.dispatches == [
        {"workflow": "ap.yml", "ref": "main", "inputs": {"plan": plan_id}}
    ]
    dispatched = world.dispatched(plan_id, claim=True, merge=False)
    wave2 = set(world.plan_data(plan_id)["waves"][1])
    assert {e["task"] for e in dispatched.matrix} == wave2
    assert world.dispatched(plan_id, dispatch="ap.yml").matrix == []
    assert len(world.fake.dispatches) == 1


def test_retry_restarts_an_agent_whose_run_was_cancelled(world: World) -> None:
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    plan_id = plan_of(world)
    approve = world.commented(number, "/ap approve", claim=True, merge=False)
    task = approve.matrix[0]["task"]  # claimed; its run is then cancelled: nothing comes back
    assert world.dispatched(plan_id, claim=True, merge=False).matrix == []
    again = world.commented(number, f"/ap retry {task}", claim=True, merge=False)
    assert [e["task"] for e in again.matrix] == [task]
    world.work(plan_id, task)  # its work arrives: a retry of a done objective changes nothing
    refused = world.commented(number, f"/ap retry {task}", claim=True, merge=False)
    assert refused.step == "refused" and refused.matrix == []


def test_a_merge_waits_for_a_verdict_on_its_own_candidate(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    from ap.core.config import load_config
    from ap.core.events import discard
    from ap.git import Git
    from ap.github.remote import mirror_plans
    from ap.github.verdict import load_verdict, record_verdict, replaying

    gates = "gates:\n  - name: listed\n    command: test -f src/auth/jwt.py\n"
    world = World(tmp_path, fake_github, gates=gates)
    number = world.fake.add_issue(*REQUEST)
    world.labeled(number)
    world.commented(number, "/ap approve")
    plan_id = plan_of(world)
    wave1 = world.plan_data(plan_id)["waves"][0]

    def verdict_now(name: str) -> Path:
        clone = Git(world.clone(name))
        mirror_plans(clone, "ap/")
        out = tmp_path / f"{name}.json"
        record_verdict(clone, load_config(clone.root), plan_id, out, emit=discard)
        return out

    early = verdict_now("gates-early")  # before the work: nothing to judge
    assert load_verdict(early) is None
    for task in wave1:
        world.work(plan_id, task)
    stale = replaying(load_verdict(early), plan_id)
    last = f"ap/{plan_id}/{wave1[-1]}"
    waiting = world.pushed(last, gate_runner=stale, dispatch="ap.yml", agents=False)
    assert waiting.step == "gates-due"
    assert world.fake.dispatches == [
        {"workflow": "ap.yml", "ref": "main", "inputs": {"plan": plan_id}}
    ]
    again = world.dispatched(plan_id, gate_runner=stale, dispatch="ap.yml", agents=False)
    assert again.step == "gates-due" and len(world.fake.dispatches) == 1  # no loop
    fresh = replaying(load_verdict(verdict_now("gates-fresh")), plan_id)
    merged = world.dispatched(plan_id, gate_runner=fresh, dispatch="ap.yml", agents=False)
    assert merged.step == "started"
    wave_record = world.plan_data(plan_id)["wave_records"][0]
    assert [g["name"] for g in wave_record["gate_results"]] == ["listed"]
    assert {o["status"] for o in world.plan_data(plan_id)["objectives"] if o["wave"] == 1} == {
        "merged"
    }
