"""Wall time of `ap plan --dry-run` on a repository: cold (no index cache) and warm.

    python benchmarks/bench_analyze.py GIT_DIR [--request TEXT] [--runs 3]

GIT_DIR is a repository (a bare snapshot works); it is cloned into a temporary
folder so the benchmark never writes to it. Prints measured figures.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if '"plan"' not in proc.stdout:
        sys.exit(f"ap failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("git_dir")
    parser.add_argument(
        "--request", default="Fix the timeout handling when a connection is retried"
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ap-bench-") as tmp:
        work = Path(tmp) / "work"
        subprocess.run(["git", "clone", "-q", "--shared", args.git_dir, str(work)], check=True)
        files = len(
            subprocess.run(
                ["git", "ls-files"], cwd=work, capture_output=True, text=True, check=True
            ).stdout.splitlines()
        )
        cmd = [sys.executable, "-m", "ap", "plan", "--dry-run", "--json", args.request]
        cache = work / ".git" / "ap"
        cold, warm = [], []
        for _ in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(cmd, work))
            warm.append(timed(cmd, work))

    def runs(times: list[float]) -> str:
        return (
            f"median {statistics.median(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)})"
        )

    print(f"ap plan --dry-run on {files} files: cold {runs(cold)}, warm {runs(warm)}")


if __name__ == "__main__":
    main()
