"""``ap accomplish``: the Accomplishment Report from the merged history, and its commit.

Built only from git: each merged objective's commits (start..merged tip), its
diffstat and paths, its worker's Change Summary (the report under docs/sessions/),
the gates of every wave, the scope violations caught, the timings the plan
recorded; then the known issues and next steps (:mod:`ap.run.findings`).
README.md, PRD.md and AGENTS.md (those that exist) get their managed section
updated (:mod:`ap.run.docsync`), and loose notes in the main work tree's root are
filed with it (:mod:`ap.run.notes`). Report, plan status, sections and notes go
into one commit on the integration branch with a Conventional Commit message and
``AP-*`` trailers, published by compare-and-swap: re-running finds it and does
nothing (but remove the notes' root copies it holds, if a crash left them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ap.core.config import ApConfig
from ap.core.errors import CheckFailed
from ap.core.events import Emit, event
from ap.core.ids import report_relpath
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
from ap.run.docsync import SECTIONS, sections_for
from ap.run.findings import change_summary, known_issues, next_steps
from ap.run.ledger import Ledger, trailers
from ap.run.notes import Note, filed_earlier, loose_notes, notes_folder, place_notes, remove_filed
from ap.run.start import MAX_RACES, next_wave
from ap.state.store import KINDS, from_markdown, to_markdown

MANAGED_FILES = tuple(SECTIONS)
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
    notes_removed: list[str] = field(default_factory=list)  # root copies of filed notes

    def describe(self) -> str:
        if self.already:
            return f"plan {self.report.plan_id} is already accomplished ({self.commit[:12]})"
        merged = sum(o.status == ObjectiveStatus.MERGED for o in self.report.objectives)
        return (
            f"accomplished plan {self.report.plan_id}: {merged}/{len(self.report.objectives)} "
            f"objective(s) merged; commit {self.commit[:12]}"
        )

    def describe_notes(self) -> str | None:
        """What became of the loose notes (None: there were none)."""
        if not self.report.notes:
            return None
        said = f"filed {len(self.report.notes)} loose note(s): " + ", ".join(self.report.notes)
        if len(self.notes_removed) < len(self.report.notes):
            said += "; a note changed since it was read stays in the work tree"
        if self.notes_removed:
            said += "; removed from the work tree: " + ", ".join(self.notes_removed)
        return said


def _outcomes(
    git: Git, plan: CoordinationPlan, reports: dict[str, str | None]
) -> list[ObjectiveOutcome]:
    """Each objective's outcome; a merged one with its commits, diffstat and its worker's
    Change Summary (``reports``: the worker reports at the tip, by objective)."""
    outcomes = []
    ranges: dict[str, tuple[str, str]] = {}
    for o in plan.objectives:
        outcome = ObjectiveOutcome(id=o.id, title=o.title, status=o.status, reason=o.status_reason)
        outcome.duration = o.timings.seconds
        text = reports.get(o.id)
        if o.status == ObjectiveStatus.MERGED and text is not None:
            outcome.change_summary = change_summary(text, plan.id, o.id, f"the report of {o.id}")
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
    state = ledger.config.state_dir
    reports = {o.id: texts.get(report_relpath(state, plan.id, o.id)) for o in plan.objectives}
    objectives = _outcomes(git, plan, reports)
    merged = [o for o in objectives if o.status == ObjectiveStatus.MERGED]
    quiet = [o for o in objectives if o.status == ObjectiveStatus.NO_CHANGE]
    others = [o for o in objectives if not o.status.landed]
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
    if quiet:
        summary += " No change: " + ", ".join(o.id for o in quiet) + "."
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
    gates = [g for r in plan.wave_records for g in r.gate_results]
    violations = list(plan.violations_caught)
    return AccomplishmentReport(
        id=plan.id,
        plan_id=plan.id,
        request=plan.request,
        summary=summary,
        integration_head=tip,
        objectives=objectives,
        gate_results=gates,
        scope_violations=violations,
        contracts=[c for r in plan.wave_records for c in r.contracts],
        duration=duration,
        commit_message=message,
        known_issues=known_issues(objectives, gates, violations),
        next_steps=next_steps(plan),
    )


def files_read(git: Git, ledger: Ledger, plan: CoordinationPlan, tip: str) -> dict[str, str | None]:
    """The analysis, the managed files and the worker reports at ``tip`` (None: not
    there), with one git process."""
    analysis = _analysis_path(ledger, plan)
    state = ledger.config.state_dir
    reports = [report_relpath(state, plan.id, o.id) for o in plan.objectives]
    return git.show_files(tip, [*([analysis] if analysis else []), *MANAGED_FILES, *reports])


def managed_sections(
    texts: dict[str, str | None],
    report: AccomplishmentReport,
    report_path: str,
    plan: CoordinationPlan,
) -> dict[str, bytes]:
    """The managed files that exist (in ``texts``) whose section changes, new content."""
    return sections_for(texts, report, plan, report_path)


def _file_notes(
    filed: dict[str, Note], report: AccomplishmentReport, files: dict[str, bytes]
) -> None:
    """Put the loose notes in the commit's ``files`` and name them in the report."""
    report.notes = list(filed)
    files.update({path: note.data for path, note in filed.items()})


def accomplish(
    git: Git, config: ApConfig, plan_id: str, *, emit: Emit, tip: str | None = None
) -> AccomplishOutcome:
    """The accomplishment commit (or the one made already); ``tip``: where the caller
    last saw the integration branch (a guess: the commit is a compare-and-swap)."""
    ledger = Ledger(git, config, plan_id)
    report_path = f"{config.state_dir}/{KINDS['accomplishment'].folder}/ACCOMPLISHMENT_{plan_id}.md"
    folder = notes_folder(config.state_dir, plan_id)
    notes = loose_notes(git)
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
            earlier = filed_earlier(report.notes, folder, notes)
            removed = remove_filed(git, done, earlier)  # (a crash before it, last time)
            return AccomplishOutcome(report, done, already=True, notes_removed=removed)
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
        files = managed_sections(texts, report, report_path, plan)
        filed = place_notes(git, tip, folder, notes)
        _file_notes(filed, report, files)
        files[report_path] = to_markdown(report, template=KINDS["accomplishment"].template).encode()
        settled_ok = all(o.status.landed for o in plan.objectives)  # (no change: landed)
        plan.status = PlanStatus.DONE if settled_ok else PlanStatus.FAILED
        commit = ledger.commit(tip, plan, report.commit_message, files=files)
        if commit is None:
            continue
        faults.checkpoint("accomplish.ref_moved")
        done_outcome = AccomplishOutcome(report, commit)
        done_outcome.notes_removed = remove_filed(git, commit, filed)
        said = done_outcome.describe_notes()
        if said is not None:
            emit(event("message", "accomplishment", message=said, notes=report.notes))
        emit(
            event(
                "phase_complete",
                "accomplishment",
                message=f"accomplished plan {plan_id}; commit {commit[:12]}",
                accomplishment=report,
            )
        )
        return done_outcome
    raise CheckFailed(f"the integration branch of {plan_id} keeps moving; try again")
