"""LLM analysts: the model reads the request and a repository map and answers JSON.

The answer must validate against :class:`LlmAnswer`; one guided retry shows the
model its validation errors, then a clear error. Its objectives go through the
same validation and scheduling as any plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from pydantic import Field, ValidationError

from ap.analyze.providers import AnalystError, Message, make_provider
from ap.analyze.result import AnalysisResult
from ap.core.config import AnalystConfig
from ap.core.models import (
    AnalysisReport,
    CandidateFile,
    CoordinationPoint,
    Model,
    ObjectiveSpec,
    Source,
    TaskType,
)

SYSTEM = """You are the analyst of ap, an orchestrator that lets several coding agents work on one \
repository in parallel. Read the request and the repository map, then split the work into \
objectives whose scope_touch patterns are exclusive: no path may be covered by two objectives \
that can run at the same time. Patterns are gitignore globs anchored at the repository root: \
`src/auth/` is a directory and everything below it, `src/app.py` a file, `tests/test_auth*.py` \
a glob (also for files that do not exist yet). Put tests with the code they test. Put glue \
(changelog, docs, package exports) in a final integration objective that depends on the others \
and declares integration_points. Never put .github/workflows/, ap.yaml, .env or docs/plans, \
docs/analyses, docs/accomplishments, docs/sessions in a scope. Answer with one JSON object \
only, no prose, matching this JSON schema:
"""


class LlmAnswer(Model):
    """What the model must answer."""

    task_type: TaskType
    task_type_reasons: list[str] = Field(default_factory=list)
    coordination_points: list[CoordinationPoint] = Field(default_factory=list)
    candidate_files: list[CandidateFile] = Field(default_factory=list)
    scope_strategy: str = ""
    risks: list[str] = Field(default_factory=list)
    objectives: list[ObjectiveSpec] = Field(min_length=1)


def parse_answer(text: str) -> LlmAnswer:
    """The answer in ``text`` (a JSON object, possibly in a ``` fence)."""
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    body = fenced.group(1) if fenced else text[text.find("{") : text.rfind("}") + 1]
    if not body:
        raise ValueError("the answer holds no JSON object")
    return LlmAnswer.model_validate(json.loads(body))


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:20])
    return str(exc)


def ask(config: AnalystConfig, request: str, repo_map: str) -> LlmAnswer:
    """The model's validated answer, after at most one guided retry."""
    provider = make_provider(config)
    system = SYSTEM + json.dumps(LlmAnswer.model_json_schema())
    messages: list[Message] = [
        {"role": "user", "content": f"Request:\n{request}\n\nRepository map:\n{repo_map}"}
    ]
    for attempt in (1, 2):
        text = provider.complete(system, messages)
        try:
            return parse_answer(text)
        except (ValueError, ValidationError) as exc:
            problem = _errors(exc)
            if attempt == 2:
                raise AnalystError(
                    f"the {config.kind} analyst answered invalid JSON twice: {problem[:500]}"
                ) from None
            messages += [
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": f"Your answer was invalid: {problem}\n"
                    "Answer again with the corrected JSON object only.",
                },
            ]
    raise AssertionError("unreachable")


def llm_analyze(
    request: str,
    repo_map: str,
    *,
    config: AnalystConfig,
    analysis_id: str,
    source: Source | None = None,
    base_commit: str | None = None,
    known_paths: Collection[str] = (),
) -> AnalysisResult:
    """An Analysis Report and objectives from an LLM analyst."""
    answer = ask(config, request, repo_map)
    risks = list(answer.risks)
    unknown = [c.path for c in answer.candidate_files if known_paths and c.path not in known_paths]
    if unknown:
        risks.append(f"the model named files that do not exist yet: {', '.join(unknown[:10])}")
    report = AnalysisReport(
        id=analysis_id,
        request=request,
        source=source or Source(),
        base_commit=base_commit,
        analyst=f"{config.kind}:{config.model or 'default'}",
        task_type=answer.task_type,
        task_type_reasons=answer.task_type_reasons,
        coordination_points=answer.coordination_points,
        candidate_files=answer.candidate_files,
        scope_strategy=answer.scope_strategy,
        risks=risks,
    )
    return AnalysisResult(report=report, objectives=answer.objectives)
