"""The gates of a wave, run where no token is, and their verdict replayed where one is.

Gates run the merged branches' code (``pytest`` imports it), so the Action runs
them in a job that holds no token (:func:`record_verdict`): ap computes the
wave's candidate exactly as ``merge_wave`` does and writes what the gates said
about its tree. The job that may push then merges with :func:`replaying`, which
hands back that verdict for the same tree and refuses any other: a job that ran
hostile code can at worst say "passed" about the candidate ap itself computed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ap.core.config import ApConfig, GateConfig
from ap.core.errors import CheckFailed
from ap.core.events import Emit, event
from ap.core.fsutil import atomic_write
from ap.core.ids import is_valid_id
from ap.core.models import GateResult
from ap.git import Git
from ap.github.advance import VerdictMissing
from ap.github.context import GitHubEventError
from ap.run.ledger import Ledger
from ap.run.merge import GateRunner, merge_wave
from ap.run.start import next_wave

MAX_VERDICT_BYTES = 4 * 1024 * 1024
_VERDICT_HINT = "pass the file `ap github gates` wrote in the gates job (or none)"


class Verdict(BaseModel):
    """What the gates said about one candidate tree of one wave of one plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str
    wave: int
    tree: str
    results: list[GateResult]


def record_verdict(git: Git, config: ApConfig, plan_id: str, out: Path, *, emit: Emit) -> None:
    """Run the gates on the next wave's candidate when the wave is ready; write the verdict
    (or nothing to judge: an empty file) to ``out``. The local merge is thrown away."""
    from ap.github.advance import wave_ready

    verdict: Verdict | None = None
    ledger = Ledger(git, config, plan_id)
    plan = ledger.load()
    wave = next_wave(plan)
    if config.gates and wave is not None and wave_ready(git, plan, wave):
        seen: list[Verdict] = []

        def recording(
            git: Git, commit: str, gates: Sequence[GateConfig], *, wave: int, emit: Emit
        ) -> list[GateResult]:
            from ap.run.gates import run_gates

            results = run_gates(git, commit, gates, wave=wave, emit=emit)
            seen.append(Verdict(plan=plan_id, wave=wave, tree=_tree(git, commit), results=results))
            return results

        # A failed gate is in the verdict; any other refusal (a conflict, a scope violation)
        # the merging job meets again and reports on the issue.
        with contextlib.suppress(CheckFailed):
            merge_wave(git, config, plan_id, wave=wave, emit=emit, gate_runner=recording)
        verdict = seen[0] if seen else None
    atomic_write(out, verdict.model_dump_json() if verdict else "")


def load_verdict(path: Path) -> Verdict | None:
    """The verdict in ``path`` (written by a job that ran untrusted code: checked strictly)."""
    try:
        if path.stat().st_size > MAX_VERDICT_BYTES:
            raise GitHubEventError(f"the gates' verdict {path} is too large", hint=_VERDICT_HINT)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise GitHubEventError(
            f"cannot read the gates' verdict {path}", hint=_VERDICT_HINT
        ) from exc
    if not text.strip():
        return None
    try:
        data: Any = json.loads(text)
        verdict = Verdict.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise GitHubEventError(
            f"the gates' verdict {path} is malformed", hint=_VERDICT_HINT
        ) from exc
    if not is_valid_id(verdict.plan):
        raise GitHubEventError(f"the gates' verdict {path} names no plan", hint=_VERDICT_HINT)
    return verdict


def replaying(verdict: Verdict | None, plan_id: str) -> GateRunner:
    """A gate runner that answers with ``verdict`` for its candidate, and refuses others."""

    def replay(
        git: Git, commit: str, gates: Sequence[GateConfig], *, wave: int, emit: Emit
    ) -> list[GateResult]:
        tree = _tree(git, commit)
        if verdict is None or (verdict.plan, verdict.wave, verdict.tree) != (plan_id, wave, tree):
            raise VerdictMissing(
                f"the gates of wave {wave} of {plan_id} have not run on this candidate",
                hint="the next run of the workflow runs them (`/ap status` starts one)",
            )
        wanted = [(g.name, g.command) for g in gates]
        said = [(r.name, r.command) for r in verdict.results]
        complete = len(said) == len(wanted) or not verdict.results[-1].passed
        if not said or said != wanted[: len(said)] or not complete:
            raise CheckFailed(f"the gates' verdict for wave {wave} is not about ap.yaml's gates")
        for result in verdict.results:
            emit(event("gate_result", "merge", **result.model_dump(mode="json")))
        return list(verdict.results)

    return replay


def _tree(git: Git, commit: str) -> str:
    tree = git.rev_parse_object(f"{commit}^{{tree}}")
    assert tree is not None
    return tree
