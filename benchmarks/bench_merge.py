"""Wave merge: ``ap merge-wave`` against a loop of checkout + ``git merge --no-ff``.

    python benchmarks/bench_merge.py [--files 20000] [--objectives 32] [--changed 5] [--runs 3]

Builds a repository of --files files, plans --objectives objectives (one folder
each, all in one wave), starts them, and gives every objective branch a done commit
changing --changed files of its folder (through git fast-import). Then, --runs
times each, with the integration branch put back between runs:

- ``ap merge-wave``: scope check of every branch, merge-tree folding, the union
  check, one merge commit and the compare-and-swap (no gates configured);
- the loop: ``git worktree add`` of the integration tip, then ``git merge --no-ff``
  of each branch in turn (what a person or a naive script would do).

Prints the medians and their ratio (target: ap under 0.5x the loop).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _bench import make_repository, sh


def folder(i: int) -> str:
    return f"pkg/d{i:04d}"


def objective_commits(root: Path, plan_id: str, base: str, n: int, changed: int) -> None:
    """A done commit on each objective branch, changing files of its own folder."""
    chunks = []
    for t in range(1, n + 1):
        message = f"feat(T{t}): work\n\nAP-Plan: {plan_id}\nAP-Task: T{t}\nAP-Status: done\n"
        chunks.append(
            f"commit refs/heads/ap/{plan_id}/T{t}\n"
            "committer bench <b@example.invalid> 1 +0000\n"
            f"data {len(message.encode())}\n{message}from {base}\n".encode()
        )
        for k in range(changed):
            i = (t - 1) * 100 + k
            body = f"value = {i} + {t}\n".encode()
            path = f"{folder(t - 1)}/m{i:06d}.py"
            chunks.append(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")
    sh(root, "git", "fast-import", "--quiet", "--force", input=b"".join(chunks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--objectives", type=int, default=32)
    parser.add_argument("--changed", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.objectives * 100 > args.files:
        raise SystemExit("need at least 100 files per objective")

    tmp = Path(tempfile.mkdtemp(prefix="ap-bench-merge-"))
    root = tmp / "repo"
    root.mkdir()
    ap = [sys.executable, "-m", "ap"]
    try:
        started = time.perf_counter()
        make_repository(root, args.files)
        lines = ["request: benchmark", "objectives:"]
        for t in range(1, args.objectives + 1):
            lines += [f"  - id: T{t}", f"    title: objective {t}"]
            lines.append(f"    scope_touch: [{folder(t - 1)}/]")
        objectives = tmp / "objectives.yaml"
        objectives.write_text("\n".join(lines) + "\n", encoding="utf-8")
        sh(root, *ap, "plan", "--from", str(objectives))
        # (read before `ap start`, which commits the draft and removes it from the work tree)
        plan_id = next((root / "docs" / "plans").glob("PLAN_*.md")).stem[len("PLAN_") :]
        sh(root, *ap, "start")
        integration = f"ap/{plan_id}/integration"
        tip = sh(root, "git", "rev-parse", integration).strip()
        base = sh(root, "git", "rev-parse", f"{integration}^").strip()
        objective_commits(root, plan_id, base, args.objectives, args.changed)
        branches = [f"ap/{plan_id}/T{t}" for t in range(1, args.objectives + 1)]
        print(
            f"repository: {args.files} files; {args.objectives} objective branches, "
            f"{args.changed} files each (built in {time.perf_counter() - started:.1f} s)"
        )

        ap_times, loop_times = [], []
        for run in range(args.runs):
            sh(root, "git", "update-ref", f"refs/heads/{integration}", tip)
            t0 = time.perf_counter()
            sh(root, *ap, "merge-wave")
            ap_times.append(time.perf_counter() - t0)
            merges = sh(root, "git", "rev-list", "--merges", integration).split()
            parents = sh(root, "git", "rev-list", "--parents", "-n1", integration).split()
            assert len(merges) == 1 and len(parents) == args.objectives + 2, "not one merge"

            work = tmp / f"loop-{run}"
            t0 = time.perf_counter()
            sh(root, "git", "worktree", "add", "-q", "--detach", str(work), tip)
            for branch in branches:
                sh(work, "git", "merge", "--no-ff", "-q", "-m", f"merge {branch}", branch)
            loop_times.append(time.perf_counter() - t0)
            sh(root, "git", "worktree", "remove", "--force", str(work))

        ap_median, loop_median = statistics.median(ap_times), statistics.median(loop_times)
        print(f"median of {args.runs} runs:")
        print(f"  ap merge-wave                          {ap_median:8.2f} s")
        print(f"  worktree + {args.objectives} x git merge --no-ff        {loop_median:8.2f} s")
        print(f"ap / loop: {ap_median / loop_median:.2f} (target < 0.5)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
