"""Wall time of `ap plan --dry-run` with hundreds of past plans: cold and warm.

    python benchmarks/bench_past_plans.py [--plans 300] [--branches 50] [--files 2000] [--runs 3]
                                          [--ap "python -m ap"]

A generated repository (``--files`` small Python files) gets ``--plans`` accomplished
plans: each an Accomplishment Report and its Coordination Plan as ap writes them
(three objectives, a few files each, a failure, a contract, a grant), committed
under docs/; ``--branches`` of them also keep their ``ap/<id>/integration``
branch. Cold means no cache in ``.git/ap``; warm, the same command again; "after a
new plan", once more after one more report is committed. ``--ap`` is the command
to time (another install of ap, to compare versions). Prints measured figures.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _bench import make_repository, module_path, sh

from ap.core.models import (
    AccomplishmentReport,
    CoordinationPlan,
    IntegrationContract,
    Objective,
    ObjectiveOutcome,
    ObjectiveStatus,
    PlanStatus,
    ScopeGrant,
)
from ap.state.store import Store

WORDS = ["cart", "voucher", "price", "token", "login", "order", "ship", "invoice", "refund"]


def _request(n: int) -> str:
    return f"{WORDS[n % len(WORDS)].title()} {WORDS[(n * 7) % len(WORDS)]} handling, change {n}"


def _artifacts(n: int, files: int) -> tuple[AccomplishmentReport, CoordinationPlan]:
    plan_id = f"2026{1 + n // 28 % 12:02d}{1 + n % 28:02d}-change-{n}"
    when = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=n)
    touched = [[module_path((n * 37 + 11 * t + k) % files) for k in range(4)] for t in range(3)]
    objectives = [
        Objective(
            id=f"T{t + 1}",
            title=f"part {t + 1} of change {n}",
            wave=1,
            scope_touch=touched[t],
            status=ObjectiveStatus.FAILED if t == 2 else ObjectiveStatus.MERGED,
            status_reason="gate `pytest -q` failed: test_total" if t == 2 else None,
        )
        for t in range(3)
    ]
    plan = CoordinationPlan(
        id=plan_id,
        request=_request(n),
        created_at=when,
        status=PlanStatus.DONE,
        objectives=objectives,
        waves=[["T1", "T2", "T3"]],
        integration_contracts=[
            IntegrationContract(provider="T1", consumer="T2", description="shares the price")
        ],
        grants=[ScopeGrant(task="T1", pattern=touched[1][0] + ".bak", why="a fixture")],
    )
    report = AccomplishmentReport(
        id=plan_id,
        plan_id=plan_id,
        request=plan.request,
        created_at=when + timedelta(minutes=30),
        summary="2 of 3 objective(s) merged in 1 wave(s); 8 file(s) changed. Not merged: T3.",
        objectives=[
            ObjectiveOutcome(
                id=o.id,
                title=o.title,
                status=o.status,
                reason=o.status_reason,
                files=o.scope_touch if o.status == ObjectiveStatus.MERGED else [],
            )
            for o in objectives
        ],
        commit_message=f"feat: {plan.request}\n\nAP-Plan: {plan_id}\nAP-Step: accomplish",
    )
    return report, plan


def build(work: Path, files: int, plans: int, branches: int) -> list[str]:
    make_repository(work, files)
    store = Store(work)
    ids = []
    for n in range(plans):
        report, plan = _artifacts(n, files)
        store.save(plan)
        store.save(report)
        ids.append(plan.id)
    sh(work, "git", "add", "-A")
    sh(work, "git", "commit", "-q", "-m", f"{plans} past plans")
    for plan_id in ids[:branches]:
        sh(work, "git", "branch", f"ap/{plan_id}/integration")
    return ids


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if '"plan"' not in proc.stdout:
        sys.exit(f"ap failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def load_step(work: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """In this process: every report loaded in full (what `ap plan` did before, from
    the work tree) against the digests (cold: no cache; warm: cached)."""
    from ap.analyze.past import PastPlans
    from ap.git import Git

    full, cold, warm = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        Store(work).all("accomplishment")
        full.append(time.perf_counter() - start)
        shutil.rmtree(work / ".git" / "ap", ignore_errors=True)
        for times in (cold, warm):
            start = time.perf_counter()
            reader = PastPlans(Git(work), state_dir="docs", branch_prefix="ap/")
            reader.load()  # the reports; an analysis then details the few plans it cites
            reader.save()
            times.append(time.perf_counter() - start)
    return full, cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", type=int, default=300)
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ap", default=f"{shlex.quote(sys.executable)} -m ap")
    parser.add_argument("--request", default="Voucher price rounding in the cart")
    args = parser.parse_args()
    cmd = [*shlex.split(args.ap), "plan", "--dry-run", "--json", args.request]
    with tempfile.TemporaryDirectory(prefix="ap-bench-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        build(work, args.files, args.plans, args.branches)
        full, digest_cold, digest_warm = load_step(work, args.runs)
        cache = work / ".git" / "ap"
        cold, warm, after = [], [], []
        for n in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(cmd, work))
            warm.append(timed(cmd, work))
            report, plan = _artifacts(args.plans + n, args.files)
            Store(work).save(plan)
            Store(work).save(report)
            sh(work, "git", "add", "-A")
            sh(work, "git", "commit", "-q", "-m", "one more plan")
            after.append(timed(cmd, work))

    def runs(times: list[float]) -> str:
        spread = ", ".join(f"{t:.2f}" for t in times)
        return f"median {statistics.median(times):.2f} s (runs {spread})"

    print(
        f"ap plan --dry-run, {args.files} files, {args.plans} past plans "
        f"({args.branches} with their integration branch):"
    )
    print(f"  cold {runs(cold)}; warm {runs(warm)}; after a new plan {runs(after)}")
    print(f"  load step: every report in full {runs(full)}")
    print(f"  load step: digests cold {runs(digest_cold)}, warm {runs(digest_warm)}")


if __name__ == "__main__":
    main()
