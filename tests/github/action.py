"""A repository on a fake GitHub: a bare ``origin``, the Action's fresh clone per event, and
real webhook payloads (copied from the shared fixtures, changed per test)."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

from ap.cli import main
from ap.core.events import discard
from ap.git import Git
from ap.github.handle import run_action
from ap.github.pygithub import PyGithubApi
from ap.github.work import HandleResult
from tests.github.fake_api import FakeGitHub
from tests.helpers import make_repo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github-webhooks"

FILES = {
    "README.md": "# shop\n",
    "src/auth/jwt.py": "def issue(user):\n    return user\n",
    "src/api/routes.py": "ROUTES = []\n",
}
WRITER, READER = "octocat", "mallory"


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def payload(event: str, action: str | None = None, ref_prefix: str | None = None) -> dict[str, Any]:
    """A deep copy of the first example of ``event`` (with ``action``, or a branch ``ref``)."""
    examples = json.loads((FIXTURES / f"{event}.json").read_text(encoding="utf-8"))
    for example in examples:
        if action is not None and example.get("action") != action:
            continue
        if ref_prefix is not None and not str(example.get("ref", "")).startswith(ref_prefix):
            continue
        return copy.deepcopy(example)
    raise AssertionError(f"no {event} example with action {action}")


class World:
    """origin (bare), a fake GitHub, and the Action run once per event in a fresh clone."""

    def __init__(self, tmp: Path, fake: FakeGitHub, gates: str = "") -> None:
        self.tmp = tmp
        self.fake = fake
        self.origin = tmp / "origin.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.origin))
        seed = make_repo(tmp / "seed", FILES)
        assert main(["-C", str(seed.root), "init"]) == 0
        if gates:
            with (seed.root / "ap.yaml").open("a", encoding="utf-8") as config:
                config.write(gates)
        seed.commit("chore: ap init")
        git(seed.root, "push", "-q", str(self.origin), "main")
        fake.permissions.update({WRITER: "write", READER: "read"})
        self.runs = 0
        self.outputs: Path = tmp / "none"

    def clone(self, name: str) -> Path:
        path = self.tmp / name
        git(self.tmp, "clone", "-q", str(self.origin), str(path))
        return path

    def handle(
        self, event: str, data: dict[str, Any], *, resume: str | None = None, **options: Any
    ) -> HandleResult:
        self.runs += 1
        work = self.clone(f"action-{self.runs}")
        event_path = self.tmp / f"event-{self.runs}.json"
        event_path.write_text(json.dumps(data), encoding="utf-8")
        self.outputs = self.tmp / f"output-{self.runs}"
        env = {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": self.fake.repository,
            "GITHUB_API_URL": self.fake.base_url,
            "GITHUB_TOKEN": self.fake.token,
            "GITHUB_OUTPUT": str(self.outputs),
            "GITHUB_STEP_SUMMARY": str(self.tmp / f"summary-{self.runs}.md"),
        }
        api = PyGithubApi(
            self.fake.token,
            self.fake.repository,
            base_url=self.fake.base_url,
            pace=False,
            status_comment_author=self.fake.actor,
        )
        return run_action(Git(work), env, emit=discard, api=api, resume=resume, **options)

    # -- events --------------------------------------------------------------

    def labeled(self, number: int, sender: str = WRITER, label: str = "ap-request") -> HandleResult:
        issue = self.fake.issues[number]
        data = payload("issues", "labeled")
        data["label"]["name"] = label
        data["issue"].update(number=number, title=issue["title"], body=issue["body"])
        data["sender"]["login"] = sender
        return self.handle("issues", data)

    def commented(
        self, number: int, body: str, sender: str = WRITER, **options: Any
    ) -> HandleResult:
        data = payload("issue_comment", "created")
        data["issue"].update(number=number)
        data["issue"].pop("pull_request", None)
        data["comment"]["body"] = body
        data["comment"]["user"]["login"] = sender
        data["sender"]["login"] = sender
        return self.handle("issue_comment", data, **options)

    def pushed(self, branch: str, **options: Any) -> HandleResult:
        data = payload("push", ref_prefix="refs/heads/")
        data.update(ref=f"refs/heads/{branch}", after=self.tip(branch), deleted=False)
        return self.handle("push", data, **options)

    def dispatched(self, plan_id: str, **options: Any) -> HandleResult:
        data = payload("workflow_dispatch")
        data["inputs"] = {"plan": plan_id}
        return self.handle("workflow_dispatch", data, **options)

    # -- origin ----------------------------------------------------------------

    def tip(self, branch: str) -> str:
        return git(self.origin, "rev-parse", f"refs/heads/{branch}").strip()

    def branches(self) -> list[str]:
        out = git(self.origin, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads/")
        return out.split()

    def show(self, rev: str, path: str) -> str:
        return git(self.origin, "show", f"{rev}:{path}")

    def plan_data(self, plan_id: str) -> dict[str, Any]:
        from ap.core.frontmatter import load_front_matter

        text = self.show(f"ap/{plan_id}/integration", f"docs/plans/PLAN_{plan_id}.md")
        return load_front_matter(text, where=plan_id)

    def outputs_text(self) -> str:
        return self.outputs.read_text(encoding="utf-8")

    def work(self, plan_id: str, task: str) -> None:
        """A worker: clone, edit a file inside the objective's scope, `ap submit`, push."""
        path = self.clone(f"worker-{task}-{self.runs}")
        git(path, "fetch", "-q", "origin", "+refs/heads/ap/*:refs/heads/ap/*")
        branch = f"ap/{plan_id}/{task}"
        git(path, "checkout", "-q", branch)
        objective = next(o for o in self.plan_data(plan_id)["objectives"] if o["id"] == task)
        literal = next(p for p in objective["scope_touch"] if not any(c in p for c in "*?[!"))
        target = path / (literal + "work.txt" if literal.endswith("/") else literal)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as f:
            f.write(f"\n# work of {task}\n")
        assert main(["-C", str(path), "submit", "-m", f"work of {task}"]) == 0
        git(path, "push", "-q", "origin", branch)
