"""``ap accomplish``: the Accomplishment Report from the merged history, and its commit.

Built only from git: each merged objective's commits (start..merged tip), its
diffstat, the gates of every wave, the scope violations caught, the timings the
plan recorded. README.md, PRD.md and AGENTS.md (those that exist) get their
``<!-- ap:accomplishments -->`` section updated. Report, plan status and sections
go into one commit on the integration branch with a Conventional Commit message
and ``AP-*`` trailers, published by compare-and-swap: re-running finds it and
does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ap.core.config import ApConfig
from ap.core.errors import CheckFailed
from ap.core.events import Emit, event
from ap.core.models import (
    AccomplishmentReport,
    AnalysisReport,
    CoordinationPlan,
    DiffStat,
    ObjectiveOutcome,
    ObjectiveStatus,
    PlanStatus,
    TaskType,
)
from ap.git import Git
from ap.run import faults
from ap.run.ledger import Ledger, trailers
from ap.run.start import MAX_RACES, next_wave
from ap.state.sections import update_section
from ap.state.store import KINDS, from_markdown, to_markdown

SECTION = "accomplishments"
MANAGED_FILES = ("README.md", "PRD.md", "AGENTS.md")
SECTION_LINES = 20
COMMIT_TYPES = {
    TaskType.FEATURE: "feat",
    TaskType.BUG: "fix",
    TaskType.REFACTOR: "refactor",
    TaskType.RESET: "chore",
    TaskType.TEST: "test",
    TaskType.DOCS: "docs",
}


@dataclass
class AccomplishOutcome:
    report: AccomplishmentReport
    commit: str
    already: bool = False

    def describe(self) -> str:
        if self.already:
            return f"plan {self.report.plan_id} is already accomplished ({self.commit[:12]})"
        merged = sum(o.status == ObjectiveStatus.MERGED for o in self.report.objectives)
        return (
            f"accomplished plan {self.report.plan_id}: {merged}/{len(self.report.objectives)} "
            f"objective(s) merged; commit {self.commit[:12]}"
        )


def _outcomes(git: Git, plan: CoordinationPlan) -> list[ObjectiveOutcome]:
    """Each objective's outcome; a merged one with its commits and diffstat from git."""
    outcomes = []
    ranges: dict[str, tuple[str, str]] = {}
    for o in plan.objectives:
        outcome = ObjectiveOutcome(id=o.id, title=o.title, status=o.status, reason=o.status_reason)
        outcome.duration = o.timings.seconds
        if o.status == ObjectiveStatus.MERGED and o.base and o.head:
            ranges[o.id] = (o.base, o.head)
        outcomes.append(outcome)
    pairs = list(ranges.values())
    stats = dict(zip(ranges, git.numstat_pairs(pairs), strict=True))
    commits = dict(zip(ranges, git.commits_in(pairs), strict=True))
    for outcome in outcomes:
        rows = stats.get(outcome.id)
        if rows is None:
            continue
        outcome.commits = commits[outcome.id]
        outcome.files = [path for _, _, path in rows]
        outcome.diffstat = DiffStat(
            files=len(rows), insertions=sum(r[0] for r in rows), deletions=sum(r[1] for r in rows)
        )
    return outcomes


def _analysis(
    ledger: Ledger, plan: CoordinationPlan, texts: dict[str, str | None]
) -> AnalysisReport | None:
    rel = _analysis_path(ledger, plan)
    text = texts.get(rel) if rel else None
    return from_markdown(AnalysisReport, text, where=rel) if rel and text is not None else None


def _analysis_path(ledger: Ledger, plan: CoordinationPlan) -> str | None:
    if not plan.analysis_id:
        return None
    return f"{ledger.config.state_dir}/{KINDS['analysis'].folder}/ANALYSIS_{plan.analysis_id}.md"


def build_report(
    git: Git,
    ledger: Ledger,
    plan: CoordinationPlan,
    tip: str,
    texts: dict[str, str | None] | None = None,
) -> AccomplishmentReport:
    """The report; ``texts`` are files at ``tip`` already read (see :func:`files_read`)."""
    if texts is None:
        texts = files_read(git, ledger, plan, tip)
    objectives = _outcomes(git, plan)
    merged = [o for o in objectives if o.status == ObjectiveStatus.MERGED]
    others = [o for o in objectives if o.status != ObjectiveStatus.MERGED]
    starts = [o.timings.started_at for o in plan.objectives if o.timings.started_at]
    ends: list[datetime] = [r.merged_at for r in plan.wave_records]
    duration = (max(ends) - min(starts)).total_seconds() if starts and ends else None
    analysis = _analysis(ledger, plan, texts)
    kind = COMMIT_TYPES.get(analysis.task_type if analysis else TaskType.FEATURE, "feat")
    request = (plan.request.strip().splitlines() or [plan.id])[0]
    subject = request[:1].lower() + request[1:] if request else plan.id
    # Waves, not merges: a retry merges its wave once more.
    waves = len({r.wave for r in plan.wave_records if r.merged})
    summary = (
        f"{len(merged)} of {len(objectives)} objective(s) merged in {waves} "
        f"wave(s); {sum(o.diffstat.files for o in merged)} file(s) changed."
    )
    if others:
        summary += " Not merged: " + ", ".join(f"{o.id} ({o.status.value})" for o in others) + "."
    body = "\n".join(
        f"- {o.id}: {o.title} ({o.diffstat.files} files, +{o.diffstat.insertions} "
        f"-{o.diffstat.deletions})"
        for o in merged
    )
    message = (
        f"{kind}: {subject[:72]}\n\n{summary}\n\n{body}\n\n"
        if body
        else f"{kind}: {subject[:72]}\n\n{summary}\n\n"
    )
    message += trailers(
        plan=plan.id,
        step="accomplish",
        objectives=" ".join(o.id for o in merged) or "none",
        status="done" if not others else "partial",
    )
    return AccomplishmentReport(
        id=plan.id,
        plan_id=plan.id,
        request=plan.request,
        summary=summary,
        integration_head=tip,
        objectives=objectives,
        gate_results=[g for r in plan.wave_records for g in r.gate_results],
        scope_violations=list(plan.violations_caught),
        duration=duration,
        commit_message=message,
    )


def section_line(report: AccomplishmentReport, report_path: str) -> str:
    merged = sum(o.status == ObjectiveStatus.MERGED for o in report.objectives)
    request = (report.request.strip().splitlines() or [report.plan_id])[0][:120]
    day = report.created_at.date().isoformat()
    return (
        f"- {day}: {request} — {merged}/{len(report.objectives)} objectives merged "
        f"(plan `{report.plan_id}`, [report]({report_path}))"
    )


def files_read(git: Git, ledger: Ledger, plan: CoordinationPlan, tip: str) -> dict[str, str | None]:
    """The analysis and the managed files at ``tip`` (None: not there), with one git process."""
    analysis = _analysis_path(ledger, plan)
    return git.show_files(tip, [*([analysis] if analysis else []), *MANAGED_FILES])


def managed_sections(
    texts: dict[str, str | None], report: AccomplishmentReport, report_path: str
) -> dict[str, bytes]:
    """The managed files that exist (in ``texts``), with the new line first in their section."""
    from ap.state.sections import read_section

    line = section_line(report, report_path)
    files: dict[str, bytes] = {}
    for name in MANAGED_FILES:
        text = texts.get(name)
        if text is None:
            continue
        old = (read_section(text, SECTION) or "").splitlines()
        kept = [x for x in old if x.strip() and f"`{report.plan_id}`" not in x]
        content = "\n".join([line, *kept][:SECTION_LINES])
        files[name] = update_section(text, SECTION, content, where=name).encode()
    return files


def accomplish(
    git: Git, config: ApConfig, plan_id: str, *, emit: Emit, tip: str | None = None
) -> AccomplishOutcome:
    """The accomplishment commit (or the one made already); ``tip``: where the caller
    last saw the integration branch (a guess: the commit is a compare-and-swap)."""
    ledger = Ledger(git, config, plan_id)
    report_path = f"{config.state_dir}/{KINDS['accomplishment'].folder}/ACCOMPLISHMENT_{plan_id}.md"
    guess = tip
    for _ in range(MAX_RACES):
        guessed = guess is not None
        tip, guess = guess or ledger.require_tip(), None
        ledger.check(tip)
        done = ledger.accomplished(tip)
        if done is not None:
            if guessed and ledger.tip() != tip:
                continue  # the guess was stale: look again
            text = git.show_file(done, report_path)
            assert text is not None
            report = from_markdown(AccomplishmentReport, text, where=report_path)
            return AccomplishOutcome(report, done, already=True)
        plan = ledger.load(tip)
        pending = next_wave(plan)
        if pending is not None:
            if guessed and ledger.tip() != tip:
                continue
            raise CheckFailed(
                f"wave {pending} of plan {plan_id} is not merged yet",
                hint=f"run `ap merge-wave {plan_id}` first",
            )
        texts = files_read(git, ledger, plan, tip)
        report = build_report(git, ledger, plan, tip, texts)
        faults.checkpoint("accomplish.built")
        files = managed_sections(texts, report, report_path)
        files[report_path] = to_markdown(report, template=KINDS["accomplishment"].template).encode()
        settled_ok = all(o.status == ObjectiveStatus.MERGED for o in plan.objectives)
        plan.status = PlanStatus.DONE if settled_ok else PlanStatus.FAILED
        commit = ledger.commit(tip, plan, report.commit_message, files=files)
        if commit is None:
            continue
        faults.checkpoint("accomplish.ref_moved")
        emit(
            event(
                "phase_complete",
                "accomplishment",
                message=f"accomplished plan {plan_id}; commit {commit[:12]}",
                accomplishment=report,
            )
        )
        return AccomplishOutcome(report, commit)
    raise CheckFailed(f"the integration branch of {plan_id} keeps moving; try again")
