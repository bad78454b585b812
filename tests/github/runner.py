"""A GitHub Actions runner, small and literal, for ap's workflows (no network).

It runs what ``ap init --github`` wrote, as GitHub would on one event: the caller's
``if:`` (with the event's ``author_association``), then each job of the reusable
workflow in order, each matrix leg in a fresh workspace with its own ``HOME`` and
``RUNNER_TEMP``, and each ``run:`` block as written, with ``bash -eo pipefail``, a
fresh ``GITHUB_OUTPUT`` per step and the job's ``env:`` expressions. The actions
are emulated as their documentation says: ``actions/checkout`` clones origin (every
branch as ``refs/remotes/origin/*``, the ref checked out as a local branch, no
credentials left when ``persist-credentials: false``), the artifact actions copy
folders. Each job gets its own token on the fake GitHub, with the job's
``permissions:``, as GITHUB_TOKEN is. "Install ap" is the one step not run (ap is
installed in the test's environment); its requirement is checked instead.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

from tests.github.fake_api import FakeGitHub

PINNED_REQUIREMENT = re.compile(r"^git\+https://github\.com/[\w.-]+/[\w.-]+\.git@[0-9a-f]{40}$")
_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||[()!,])|(?P<num>\d+)"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_*][\w-]*)*))"
)


class _Ctx(dict[str, Any]):
    def path(self, dotted: str) -> Any:
        value: Any = self
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def evaluate(expression: str, ctx: _Ctx, status: dict[str, bool]) -> Any:
    """A GitHub expression (the subset ap's workflows use) turned into Python and evaluated
    with names looked up in ``ctx``; no Python text of the workflow is ever evaluated."""
    pieces: list[str] = []
    values: list[Any] = []
    pos = 0
    text = expression.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m and m.end() > pos, f"cannot read the expression {text!r} at {pos}"
        pos = m.end()
        if m.group("str") is not None:
            values.append(m.group("str")[1:-1].replace("''", "'"))
            pieces.append(f"_v[{len(values) - 1}]")
        elif m.group("num") is not None:
            pieces.append(m.group("num"))
        elif m.group("op") is not None:
            op = m.group("op")
            pieces.append({"&&": " and ", "||": " or ", "!": " not "}.get(op, op))
        else:
            name = m.group("name")
            if name in ("always", "success", "failure", "fromJSON", "contains", "startsWith"):
                pieces.append(f"_f_{name}")
            elif name in ("true", "false"):
                pieces.append("True" if name == "true" else "False")
            else:
                values.append(ctx.path(name))
                pieces.append(f"_v[{len(values) - 1}]")
    functions = {
        "_f_always": lambda: True,
        "_f_success": lambda: status["success"],
        "_f_failure": lambda: not status["success"],
        "_f_fromJSON": json.loads,
        "_f_contains": lambda hay, needle: (
            needle in hay if isinstance(hay, list) else str(needle).lower() in str(hay).lower()
        ),
        "_f_startsWith": lambda s, p: str(s).lower().startswith(str(p).lower()),
    }
    return eval("".join(pieces), {"__builtins__": {}, "_v": values, **functions})


def substitute(value: Any, ctx: _Ctx, status: dict[str, bool]) -> Any:
    """``${{ … }}`` in a string replaced; a string that is one expression keeps its type."""
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value.strip())
    if whole:
        return evaluate(whole.group(1), ctx, status)
    return _TEMPLATE.sub(lambda m: _text(evaluate(m.group(1), ctx, status)), value)


@dataclass
class StepRecord:
    job: str
    name: str
    ok: bool
    output: str


@dataclass
class RunResult:
    """One workflow run: each job's result and every step's output."""

    started: bool
    jobs: dict[str, str] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)

    def log(self) -> str:
        return "\n".join(
            f"== {s.job}: {s.name} ({'ok' if s.ok else 'FAILED'})\n{s.output}" for s in self.steps
        )


class Runner:
    """Runs the workflows of ``repo`` (a clone holding them) against ``origin`` and ``fake``."""

    def __init__(self, tmp: Path, origin: Path, workflows: Path, fake: FakeGitHub) -> None:
        self.tmp = tmp
        self.origin = origin
        self.fake = fake
        self.caller = yaml.safe_load((workflows / "ap-request.yml").read_text())
        self.reusable = yaml.safe_load((workflows / "ap.yml").read_text())
        self.runs = 0
        self.bin = str(Path(sys.executable).parent)

    # -- a run -------------------------------------------------------------------

    def run(self, event_name: str, payload: dict[str, Any]) -> RunResult:
        self.runs += 1
        base = self.tmp / f"run-{self.runs}"
        base.mkdir()
        event_path = base / "event.json"
        event_path.write_text(json.dumps(payload))
        github = {
            "event_name": event_name,
            "event": payload,
            "repository": self.fake.repository,
            "ref": payload.get("ref") or "refs/heads/main",
            "run_id": str(self.runs),
        }
        ctx = _Ctx(github=github, inputs={}, secrets={}, vars={})
        caller = self.caller["jobs"]["ap"]
        if not evaluate(caller["if"], ctx, {"success": True}):
            return RunResult(started=False)
        inputs = self._inputs(caller.get("with", {}), ctx)
        result = RunResult(started=True)
        needs: dict[str, Any] = {}
        for name, job in self.reusable["jobs"].items():
            outcome = self._job(name, job, base, event_path, github, inputs, needs, result)
            result.jobs[name] = outcome["result"]
            needs[name] = outcome
        return result

    def _inputs(self, given: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        triggers = self.reusable.get("on", self.reusable.get(True))  # YAML 1.1 reads `on` as true
        declared = triggers["workflow_call"]["inputs"]
        inputs = {k: v.get("default") for k, v in declared.items()}
        for key, value in given.items():
            inputs[key] = substitute(value, ctx, {"success": True})
        missing = [k for k, v in declared.items() if v.get("required") and k not in given]
        assert not missing, f"the caller does not give the required inputs {missing}"
        return inputs

    def _job(
        self,
        name: str,
        job: dict[str, Any],
        base: Path,
        event_path: Path,
        github: dict[str, Any],
        inputs: dict[str, Any],
        needs: dict[str, Any],
        result: RunResult,
    ) -> dict[str, Any]:
        wanted = job.get("needs", [])
        wanted = [wanted] if isinstance(wanted, str) else wanted
        ctx = _Ctx(
            github=github, inputs=inputs, needs={n: needs[n] for n in wanted}, secrets={}, vars={}
        )
        status = {"success": all(needs[n]["result"] == "success" for n in wanted)}
        condition = job.get("if", "success()")
        if not evaluate(condition if isinstance(condition, str) else str(condition), ctx, status):
            return {"result": "skipped", "outputs": {}}
        legs: list[dict[str, Any]] = [{}]
        matrix = job.get("strategy", {}).get("matrix")
        if matrix is not None:
            legs = substitute(matrix, ctx, status)["include"]
            assert legs, f"job {name}: a matrix with no entry fails on GitHub"
        ok, outputs = True, {}
        for number, leg in enumerate(legs):
            leg_ok, steps = self._leg(
                f"{name}-{number}", job, base, event_path, _Ctx(ctx, matrix=leg), result
            )
            ok = ok and leg_ok
            if matrix is None:
                ctx["steps"] = steps
                outputs = {
                    k: _text(substitute(v, _Ctx(ctx), status))
                    for k, v in job.get("outputs", {}).items()
                }
        return {"result": "success" if ok else "failure", "outputs": outputs}

    def _leg(
        self,
        label: str,
        job: dict[str, Any],
        base: Path,
        event_path: Path,
        ctx: _Ctx,
        result: RunResult,
    ) -> tuple[bool, dict[str, Any]]:
        root = base / label
        home, temp, workspace = root / "home", root / "temp", root / "workspace"
        for folder in (home, temp, workspace):
            folder.mkdir(parents=True)
        permissions = job.get("permissions", {})
        ceiling = self.caller["jobs"]["ap"].get("permissions", {})
        for scope, level in permissions.items():  # a called job gets at most its caller's
            assert level == "read" or ceiling.get(scope) == "write", (scope, level)
        token = self.fake.mint(permissions)
        ctx["github"] = {**ctx["github"], "token": token}
        ctx["runner"] = {"temp": str(temp)}
        env = {
            "PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": ctx["github"]["event_name"],
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": self.fake.repository,
            "GITHUB_REF": ctx["github"]["ref"],
            "GITHUB_API_URL": self.fake.base_url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(temp),
            "GIT_CONFIG_NOSYSTEM": "1",
            "AP_TEST_JOB": label,
            # What GITHUB_TOKEN may do with git: origin's pre-receive hook refuses a push
            # from a job without contents: write.
            "AP_TEST_CONTENTS": permissions.get("contents", "none"),
        }
        steps: dict[str, Any] = {}
        ok = True
        for number, step in enumerate(job["steps"]):
            status = {"success": ok}
            if not evaluate(str(step.get("if", "success()")), ctx, status):
                continue
            step_env = {
                k: _text(substitute(v, ctx, status)) for k, v in step.get("env", {}).items()
            }
            name = step.get("name") or step.get("uses", "")
            passed, output, outs = self._step(
                step, {**env, **step_env}, ctx, status, workspace, root / f"output-{number}"
            )
            result.steps.append(StepRecord(label, name, passed, output))
            if "id" in step:
                steps[step["id"]] = {"outputs": outs}
            ok = ok and passed
        return ok, steps

    # -- steps ---------------------------------------------------------------

    def _step(
        self,
        step: dict[str, Any],
        env: dict[str, str],
        ctx: _Ctx,
        status: dict[str, bool],
        workspace: Path,
        output: Path,
    ) -> tuple[bool, str, dict[str, str]]:
        with_ = {k: substitute(v, ctx, status) for k, v in step.get("with", {}).items()}
        uses = step.get("uses")
        if uses is not None:
            action = uses.split("@")[0]
            assert re.fullmatch(r"[0-9a-f]{40}", uses.split("@")[1]), f"{uses} is not pinned"
            return self._action(action, with_, workspace)
        if step.get("name") == "Install ap":
            requirement = env["AP_REQUIREMENT"]
            assert PINNED_REQUIREMENT.match(requirement), requirement
            return True, f"(not run) pip install {requirement}", {}
        script = output.with_suffix(".sh")
        script.write_text(step["run"])
        output.write_text("")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={
                **env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(output.with_suffix(".md")),
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        return proc.returncode == 0, proc.stdout + proc.stderr, _outputs(output.read_text())

    def _action(
        self, action: str, with_: dict[str, Any], workspace: Path
    ) -> tuple[bool, str, dict[str, str]]:
        if action == "actions/checkout":
            return self._checkout(with_, workspace)
        if action == "actions/setup-python":
            return True, "", {}
        store = self.tmp / f"artifacts-{self.runs}"
        if action == "actions/upload-artifact":
            source = Path(with_["path"])
            files = [p for p in source.rglob("*") if p.is_file()] if source.exists() else []
            if not files:
                return with_.get("if-no-files-found") != "error", "no files to upload", {}
            shutil.copytree(source, store / with_["name"])
            return True, "", {}
        if action == "actions/download-artifact":
            target = Path(with_["path"])
            names = sorted(p.name for p in store.iterdir()) if store.exists() else []
            if "name" in with_:
                if with_["name"] not in names:
                    return False, f"Artifact not found: {with_['name']}", {}
                shutil.copytree(store / with_["name"], target, dirs_exist_ok=True)
            else:
                for name in (n for n in names if fnmatch(n, with_["pattern"])):
                    shutil.copytree(store / name, target / name)
            return True, "", {}
        raise AssertionError(f"the runner does not know {action}")

    def _checkout(self, with_: dict[str, Any], workspace: Path) -> tuple[bool, str, dict[str, str]]:
        assert with_.get("persist-credentials") is False, "checkout must not persist the token"
        assert str(with_.get("fetch-depth")) == "0"
        git = ["git", "-C", str(workspace)]
        clone = ["git", "clone", "-q", "--no-checkout", str(self.origin), str(workspace)]
        subprocess.run(clone, check=True, capture_output=True)
        ref = str(with_["ref"])
        checkout = [*git, "checkout", "-q", "--force", "-B", ref, f"refs/remotes/origin/{ref}"]
        proc = subprocess.run(checkout, capture_output=True, text=True, check=False)
        return proc.returncode == 0, proc.stderr, {}


def _outputs(text: str) -> dict[str, str]:
    """``GITHUB_OUTPUT``'s ``name=value`` and ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


def environment_of(path: Path) -> dict[str, str]:
    """The environment a process wrote with ``env -0`` (for the no-token assertion)."""
    items = path.read_bytes().split(b"\0")
    return dict(i.decode().split("=", 1) for i in items if b"=" in i)
