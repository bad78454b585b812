"""``ap run`` overhead: 8 objectives whose worker sleeps, two waves of four, in parallel.

    python benchmarks/bench_run.py [--sleep 2] [--objectives 8] [--parallel 4] [--runs 3]
                                   [--worker python|sh]

Each objective's command worker sleeps --sleep seconds and then edits its scope
(a Python script by default; ``--worker sh`` is the same as a shell command, which
starts in a few milliseconds instead of a Python interpreter's tens, so what
remains is ap's own overhead);
objectives 5..8 depend on 1..4, so the plan has two waves of four. With
--parallel 4 the ideal wall time is two sleeps. Prints the median wall time of
``ap run`` (start, worktrees, workers, commits, scope checks, merges and the
accomplishment) against that ideal (target: under 1.25x).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _bench import ENV, sh

WORKER = """\
import os, pathlib, sys, time
sys.stdin.read()
time.sleep(float(os.environ["BENCH_SLEEP"]))
task = os.environ["AP_TASK"]
path = pathlib.Path("src") / task.lower() / "work.py"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(f"done = {task!r}\\n")
"""
SH_WORKER = (
    'cat >/dev/null; sleep "$BENCH_SLEEP"; d="src/$(echo "$AP_TASK" | tr A-Z a-z)"; '
    'mkdir -p "$d"; echo "done = \'$AP_TASK\'" > "$d/work.py"'
)


def prepare(folder: Path, n: int, worker_kind: str = "python") -> Path:
    root = folder / "repo"
    root.mkdir(parents=True)
    sh(root, "git", "init", "-q", "-b", "main")
    (root / "README.md").write_text("# bench\n")
    sh(root, "git", "add", "-A")
    sh(root, "git", "commit", "-q", "-m", "init")
    worker = folder / "worker.py"
    worker.write_text(WORKER)
    argv = ["sh", "-c", SH_WORKER] if worker_kind == "sh" else [sys.executable, str(worker)]
    command = json.dumps(argv)
    (root / "ap.yaml").write_text(
        f"team:\n  - name: sleeper\n    command: {command}\n    max_concurrent: {n}\n"
    )
    half = n // 2
    lines = ["request: benchmark", "objectives:"]
    for t in range(1, n + 1):
        lines += [f"  - id: T{t}", f"    title: objective {t}"]
        lines.append(f"    scope_touch: [src/t{t}/]")
        if t > half:
            lines += [f"    depends_on: [T{t - half}]", '    integration_points: ["follows"]']
    (folder / "objectives.yaml").write_text("\n".join(lines) + "\n")
    sh(root, sys.executable, "-m", "ap", "plan", "--from", str(folder / "objectives.yaml"))
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sleep", type=float, default=2.0)
    parser.add_argument("--objectives", type=int, default=8)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", choices=["python", "sh"], default="python")
    args = parser.parse_args()
    ENV["BENCH_SLEEP"] = str(args.sleep)
    waves = 2
    ideal = waves * args.sleep * -(-args.objectives // waves // args.parallel)
    times = []
    for run in range(args.runs):
        folder = Path(tempfile.mkdtemp(prefix="ap-bench-run-"))
        try:
            root = prepare(folder, args.objectives, args.worker)
            start = time.perf_counter()
            sh(root, sys.executable, "-m", "ap", "run", "--parallel", str(args.parallel))
            times.append(time.perf_counter() - start)
            merges = sh(root, "git", "rev-list", "--merges", "--all").split()
            assert len(merges) == waves, f"expected {waves} merge commits, got {len(merges)}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"run {run + 1}: {times[-1]:.2f} s")
    median = statistics.median(times)
    print(
        f"{args.objectives} objectives, {waves} waves, --parallel {args.parallel}, "
        f"{args.worker} worker sleeps {args.sleep:g} s"
    )
    best = min(times)
    print(f"median wall time of ap run: {median:.2f} s; ideal {ideal:.2f} s")
    print(f"overhead (wall - ideal): median {median - ideal:.2f} s, best {best - ideal:.2f} s")
    print(f"ratio: {median / ideal:.2f} (best run {best / ideal:.2f}; target < 1.25)")


if __name__ == "__main__":
    main()
