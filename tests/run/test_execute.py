"""`ap run`: real worker processes, real merges, failures contained, resumable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.run.conftest import Flow, git, planned_flow, run_ap

WORKER = """\
import os, pathlib, sys, time
task = os.environ["AP_TASK"]
sys.stdin.read()
behaviour = os.environ.get("BEHAVIOUR_" + task, "ok")
if "PIDDIR" in os.environ:
    (pathlib.Path(os.environ["PIDDIR"]) / task).write_text(str(os.getpid()))
root = pathlib.Path.cwd()
own = {"T1": "src/auth/new.py", "T2": "src/api/new.py", "T3": "tests/test_new.py"}[task]
if behaviour == "sleep":
    time.sleep(float(os.environ.get("SLEEP", "2")))
if behaviour == "hang":
    time.sleep(3600)
if behaviour == "exit":
    sys.exit(3)
if behaviour == "outside":
    (root / "src/auth/evil.py").write_text("evil\\n")
(root / own).parent.mkdir(parents=True, exist_ok=True)
(root / own).write_text(f"# by {task}\\n")
if behaviour == "daemon":  # leaves a process behind that would edit the worktree later
    import subprocess
    late = "import pathlib, time; time.sleep(30); pathlib.Path('late.txt').write_text('x')"
    child = subprocess.Popen([sys.executable, "-c", late])
    (pathlib.Path(os.environ["PIDDIR"]) / "child").write_text(str(child.pid))
if behaviour == "commit":  # the worker commits its own work; ap adds the report on top
    import subprocess
    subprocess.run(["git", "add", "-A"], check=True)
    who = ["-c", "user.name=worker", "-c", "user.email=worker@example.invalid"]
    subprocess.run(["git", *who, "commit", "-q", "-m", "worker's own commit"], check=True)
"""


def test_a_worker_that_commits_itself_keeps_its_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = worker_flow(tmp_path, capsys, monkeypatch, BEHAVIOUR_T1="commit")
    code, _, err = flow.ap("run")
    assert code == 0, err
    assert set(flow.plan_statuses().values()) == {"merged"}
    log = git(flow.root, "log", "--format=%s", flow.branch("T1"))
    assert log.splitlines()[:2] == ["feat(T1): Token module", "worker's own commit"]
    assert "src/auth/new.py" in flow.tree(flow.integration)


def worker_flow(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch | None = None,
    **env: str,
) -> Flow:
    """A planned, started repository whose team is the test worker (``env``: its behaviour)."""
    flow = planned_flow(tmp_path / "repo", capsys)
    _with_worker(flow)
    for key, value in env.items():
        assert monkeypatch is not None
        monkeypatch.setenv(key, value)
    return flow


def _with_worker(flow: Flow) -> None:
    script = flow.root.parent / "worker.py"
    script.write_text(WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 4\n"
    )


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("outside", "scope violation: src/auth/evil.py"),
        ("exit", "the worker exited with 3"),
        ("hang", "timed out after 2 s"),
    ],
)
def test_a_bad_worker_fails_only_its_objective(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    behaviour: str,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow = worker_flow(tmp_path, capsys, monkeypatch, BEHAVIOUR_T2=behaviour)
    code, out, err = flow.ap("run", "--timeout", "2", "--json")
    assert code == 1, err
    # The run's summary says where each objective ended, and why.
    (summary,) = [e for e in map(json.loads, out.splitlines()) if e["type"] == "run_summary"]
    rows = {r["task"]: r for r in summary["objectives"]}
    assert {t: r["status"] for t, r in rows.items()} == {
        "T1": "merged",
        "T2": "failed",
        "T3": "blocked",
    }
    assert reason in " ".join(rows["T2"]["reason"].split())
    assert rows["T3"]["reason"] == "depends on T2" and rows["T3"]["worker"] is None
    statuses = flow.plan_statuses()
    assert statuses == {"T1": "merged", "T2": "failed", "T3": "blocked"}
    plan = flow.show(flow.integration, f"docs/plans/PLAN_{flow.plan_id}.md")
    assert reason in " ".join(plan.split()), plan
    tree = flow.tree(flow.integration)
    assert "src/auth/new.py" in tree and "src/api/new.py" not in tree
    assert "src/auth/evil.py" not in tree
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert "T2" in report and "failed" in report
    assert "next: `ap retry T2` runs a failed objective again" in flow.ok("status")


def _run_elsewhere(flow: Flow, piddir: Path, **behaviour: str) -> subprocess.Popen[str]:
    """``ap run`` in a process of its own; each worker writes its process id in ``piddir``.

    It starts with the stopping signals at their defaults, whatever this process inherited
    (under ``nohup`` SIGHUP is ignored, in a background job SIGINT is, and ap rightly
    keeps an ignored signal ignored)."""
    return subprocess.Popen(
        [sys.executable, "-c", _DEFAULT_SIGNALS_THEN_AP_RUN],
        cwd=flow.root,
        env={**os.environ, **behaviour, "PIDDIR": str(piddir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


_DEFAULT_SIGNALS_THEN_AP_RUN = """\
import os, signal, sys
for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(signum, signal.SIG_DFL)
os.execv(sys.executable, [sys.executable, "-m", "ap", "run"])
"""


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.1)


@pytest.mark.parametrize(
    "how", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name
)
def test_interrupted_run_resumes_to_the_same_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: signal.Signals
) -> None:
    flow = worker_flow(tmp_path, capsys)
    reference_root = tmp_path / "reference" / "repo"
    shutil.copytree(flow.root, reference_root, symlinks=True)
    shutil.copy(flow.root.parent / "worker.py", reference_root.parent / "worker.py")
    ref_yaml = (
        (flow.root / "ap.yaml")
        .read_text()
        .replace(str(flow.root.parent / "worker.py"), str(reference_root.parent / "worker.py"))
    )
    (reference_root / "ap.yaml").write_text(ref_yaml)
    assert run_ap(reference_root, "run").returncode == 0

    proc = _run_elsewhere(flow, tmp_path, BEHAVIOUR_T2="sleep", SLEEP="60")
    t1 = flow.branch("T1")
    _wait_for(  # T1 submitted while T2's worker (started: its pid written) still sleeps
        lambda: (
            "AP-Status: done" in git(flow.root, "log", "-1", "--format=%B", t1)
            and (tmp_path / "T2").exists()
            and bool((tmp_path / "T2").read_text())
        ),
        "T1 submitted and T2's worker started",
    )
    worker = int((tmp_path / "T2").read_text())
    proc.send_signal(how)
    _, err = proc.communicate(timeout=30)
    if how != signal.SIGKILL:  # Ctrl-C, or a SIGTERM / SIGHUP: stopped as cleanly
        assert proc.returncode == 130, err
        assert "interrupted" in err
        assert "ap/run" not in git(flow.root, "worktree", "list")  # worktrees gone, branches kept
        assert not _running(worker)  # the sleeping worker was stopped too
    else:  # killed: nothing was cleaned up (the worker dies with ap, or with the next run)
        assert "ap/run" in git(flow.root, "worktree", "list")
    assert git(flow.root, "rev-parse", "--verify", flow.branch("T2"))

    again = run_ap(flow.root, "run")
    assert again.returncode == 0, again.stderr
    assert not _running(worker)
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    assert "ap/run" not in git(flow.root, "worktree", "list")
    reference = Flow(flow.repo.__class__(reference_root), capsys)
    reference.plan_id = flow.plan_id
    stable = lambda f: {  # noqa: E731
        p: o for p, o in f.tree(f.integration).items()
        if not p.startswith(("docs/plans/", "docs/accomplishments/", "docs/sessions/"))
    }  # fmt: skip
    assert stable(flow) == stable(reference)
    assert len(git(flow.root, "rev-list", "--merges", flow.integration).split()) == 2


def test_live_progress_summary_and_watch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = worker_flow(tmp_path, capsys, monkeypatch, BEHAVIOUR_T1="sleep", SLEEP="6")
    code, out, _ = flow.ap("run", "--json")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    progress = [e for e in events if e["type"] == "objective_progress"]
    assert progress and progress[0]["task"] == "T1" and progress[0]["elapsed"] >= 4
    (summary,) = [e for e in events if e["type"] == "run_summary"]
    assert sorted(r["task"] for r in summary["objectives"]) == ["T1", "T2", "T3"]
    assert all(r["status"] == "merged" for r in summary["objectives"])
    # each wave's header comes before the branches its start creates
    order = [(e["type"], e["wave"]) for e in events if "wave" in e]
    started = {w for t, w in order if t == "objective_started"}
    assert started == {2}  # (wave 1 was started before the run)
    for w in started:
        assert order.index(("phase_start", w)) < order.index(("objective_started", w))
    # --watch ends by itself once the plan has ended.
    code, out, _ = flow.ap("status", "--watch", "--json", "--interval", "0.2")
    status = json.loads(out.splitlines()[-1])
    assert code == 0 and status["status"] == "done" and status["progress_percent"] == 100.0


FAN_OUT = (
    "request: fan out\nobjectives:\n  - id: T1\n    title: first\n    scope_touch: [src/t1/]\n"
    + "".join(
        f"  - id: T{n}\n    title: part {n}\n    scope_touch: [src/t{n}/]\n"
        "    depends_on: [T1]\n    integration_points: [follows]\n"
        for n in range(2, 7)
    )
)
FAN_OUT_WORKER = """\
import os, pathlib, sys
sys.stdin.read()
path = pathlib.Path("src") / os.environ["AP_TASK"].lower() / "work.py"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text("done\\n")
(pathlib.Path("build") / "junk").mkdir(parents=True, exist_ok=True)  # ignored, left behind
"""


def test_slots_are_reused_and_added_while_others_switch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Wave 2 switches wave 1's slot to a new branch (cleaned) and adds more slots."""
    flow = planned_flow(
        tmp_path / "repo", capsys, FAN_OUT, files={"README.md": "x\n", ".gitignore": "build/\n"}
    )
    script = tmp_path / "worker.py"
    script.write_text(FAN_OUT_WORKER)
    command = json.dumps([sys.executable, str(script)])
    (flow.root / "ap.yaml").write_text(
        f"team:\n  - name: py\n    command: {command}\n    max_concurrent: 8\n"
    )
    code, _, err = flow.ap("run", "--parallel", "5")
    assert code == 0, err
    assert set(flow.plan_statuses().values()) == {"merged"}
    tree = flow.tree(flow.integration)
    assert all(f"src/t{n}/work.py" in tree for n in range(1, 7))
    assert not any(p.startswith("build/") for p in tree)
    assert len(git(flow.root, "worktree", "list").splitlines()) == 1


def test_a_resumed_wave_does_not_run_again_what_was_submitted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran"
    ran.mkdir()
    flow = worker_flow(tmp_path, capsys, monkeypatch, PIDDIR=str(ran))
    flow.ok("start")  # wave 1 started (as by a run that was stopped) …
    flow.submit("T1", {"src/auth/mine.py": "by hand\n"})  # … and T1 submitted meanwhile
    flow.drop_worktrees()
    code, _, err = flow.ap("run")
    assert code == 0, err
    assert sorted(p.name for p in ran.iterdir()) == ["T2", "T3"]  # T1's worker never ran
    tree = flow.tree(flow.integration)
    assert "src/auth/mine.py" in tree and "src/auth/new.py" not in tree
    assert set(flow.plan_statuses().values()) == {"merged"}


def test_a_second_run_of_the_plan_is_refused_while_the_first_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs of one plan would share objectives and worktrees: the second is refused,
    naming the first, and touches nothing; the first ends as if alone."""
    flow = worker_flow(tmp_path, capsys)
    first = _run_elsewhere(flow, tmp_path, BEHAVIOUR_T1="sleep", BEHAVIOUR_T2="sleep", SLEEP="5")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all((tmp_path / t).exists() for t in ("T1", "T2")):
        time.sleep(0.05)  # until both workers of the first run's wave 1 have started
    trees = lambda: [  # noqa: E731  (paths only: the first run's commits move their heads)
        line for line in git(flow.root, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]  # fmt: skip
    worktrees = trees()
    code, _, err = flow.ap("run")
    assert code == 1
    assert f"being run already, by `ap run` process {first.pid}" in err
    assert trees() == worktrees and len(worktrees) == 3  # the first's two slots untouched
    _, first_err = first.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    again = run_ap(flow.root, "run")  # the lock went with the first run
    assert again.returncode == 0, again.stderr


def test_what_a_worker_leaves_running_is_stopped_when_it_exits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process the worker started and left behind (its process group) would go on
    editing a worktree that ap cleans and reuses: it is stopped when the worker ends."""
    flow = worker_flow(tmp_path, capsys, monkeypatch, BEHAVIOUR_T1="daemon", PIDDIR=str(tmp_path))
    code, _, err = flow.ap("run")
    assert code == 0, err
    assert not _running(int((tmp_path / "child").read_text()))


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody reaped yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the system
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_a_person_works_through_the_plan_with_the_manual_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--worker manual``: each objective is handed over with its worktree and prompt;
    the run waits until the person's ``ap submit`` there, then goes on to the merge."""
    flow = worker_flow(tmp_path, capsys)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ap", "run", "--worker", "manual", "--timeout", "60", "--json"],
        cwd=flow.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    handed = []
    for line in proc.stdout:
        ev = json.loads(line)
        if ev["type"] != "message" or " is yours: " not in ev["message"]:
            continue
        task = ev["message"].split(" ", 1)[0]
        tree = Path(ev["message"].split("work in ", 1)[1].split(", then", 1)[0])
        prompt = Path(ev["message"].rsplit("the prompt is in ", 1)[1].rstrip(")"))
        title = {"T1": "Token module", "T2": "API routes", "T3": "Tests"}[task]
        assert title in prompt.read_text()  # the objective's own prompt
        own = {"T1": "src/auth/by_hand.py", "T2": "src/api/by_hand.py", "T3": "tests/by_hand.py"}
        (tree / own[task]).parent.mkdir(parents=True, exist_ok=True)
        (tree / own[task]).write_text(f"# {task}, by hand\n")
        submitted = run_ap(tree, "submit", "-m", f"{task} by hand")
        assert submitted.returncode == 0, submitted.stderr
        handed.append(task)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    assert sorted(handed) == ["T1", "T2", "T3"]
    assert flow.plan_statuses() == {"T1": "merged", "T2": "merged", "T3": "merged"}
    tree = flow.tree(flow.integration)
    assert {"src/auth/by_hand.py", "src/api/by_hand.py", "tests/by_hand.py"} <= set(tree)


@pytest.mark.parametrize(
    ("refused", "wave", "ended"),
    [
        ("src/api/new.py", 1, {"T1": "done", "T2": "done"}),
        ("tests/test_new.py", 2, {"T1": "merged", "T2": "merged", "T3": "done"}),
    ],
)
def test_a_run_stopped_by_a_gate_shows_what_ran_and_why_it_stopped(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    refused: str,
    wave: int,
    ended: dict[str, str],
) -> None:
    flow = worker_flow(tmp_path, capsys, monkeypatch)
    with (flow.root / "ap.yaml").open("a") as config:
        config.write(f"gates:\n  - name: no-new\n    command: test ! -e {refused}\n")
    code, out, _ = flow.ap("run", "--json")
    assert code == 1 and f"gate 'no-new' failed on wave {wave}" in out
    events = [json.loads(line) for line in out.splitlines()]
    (summary,) = [e for e in events if e["type"] == "run_summary"]
    assert {r["task"]: r["status"] for r in summary["objectives"]} == ended
    assert events[-1]["type"] == "error"  # the summary first, then why the run stopped
    assert "gate 'no-new' failed on this wave" in flow.ok("status")
