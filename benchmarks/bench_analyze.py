"""Wall time of `ap plan --dry-run` on a repository: cold, warm, and after a one-file commit.

    python benchmarks/bench_analyze.py GIT_DIR [--request TEXT] [--runs 3] [--copies N]

GIT_DIR is a repository (a bare snapshot works); it is cloned into a temporary
folder so the benchmark never writes to it. ``--copies N`` plans over a larger
tree: N copies of the repository's tree side by side (``copy1/``…), committed on
top of its history, so the files are real code and the history is real. Cold
means no cache in ``.git/ap``; warm, the same command again; after a commit, the
command once more after a commit that changes one file. Prints measured figures.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import sh

CPU: list[float] = []  # CPU seconds of each timed run, in order (a busy machine skews wall time)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> float:
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    CPU.append(_children_cpu() - cpu)  # ap's own CPU time and that of the git it ran
    if '"plan"' not in proc.stdout:
        sys.exit(f"ap failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def widen(work: Path, copies: int) -> None:
    """Replace the tree by ``copies`` copies of it, as one commit on top of the history."""
    tree = sh(work, "git", "rev-parse", "HEAD^{tree}").strip()
    sh(work, "git", "read-tree", "--empty")
    for n in range(1, copies + 1):
        sh(work, "git", "read-tree", f"--prefix=copy{n}/", tree)
    wide = sh(work, "git", "write-tree").strip()
    commit = sh(work, "git", "commit-tree", wide, "-p", "HEAD", "-m", "copies").strip()
    sh(work, "git", "reset", "-q", "--hard", commit)


def one_file_commit(work: Path, n: int) -> None:
    """Change one tracked file (the first in the tree) and commit it."""
    first = sh(work, "git", "ls-files").splitlines()[0]
    with open(work / first, "a", encoding="utf-8") as handle:
        handle.write(f"\n# bench {n}\n")
    sh(work, "git", "commit", "-q", "-am", f"bench change {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("git_dir")
    parser.add_argument(
        "--request", default="Fix the timeout handling when a connection is retried"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ap-bench-") as tmp:
        work = Path(tmp) / "work"
        subprocess.run(["git", "clone", "-q", "--shared", args.git_dir, str(work)], check=True)
        if args.copies > 1:
            widen(work, args.copies)
        files = len(sh(work, "git", "ls-files").splitlines())
        cmd = [sys.executable, "-m", "ap", "plan", "--dry-run", "--json", args.request]
        cache = work / ".git" / "ap"
        cold, warm, after = [], [], []
        for n in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(cmd, work))
            warm.append(timed(cmd, work))
            one_file_commit(work, n)
            after.append(timed(cmd, work))
        size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 1e6

    def runs(times: list[float]) -> str:
        return (
            f"median {statistics.median(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)})"
        )

    print(f"ap plan --dry-run on {files} files: cold {runs(cold)}, warm {runs(warm)}")
    print(f"  after a one-file commit {runs(after)}; .git/ap holds {size:.1f} MB")
    cpu = [statistics.median(CPU[k::3]) for k in range(3)]  # runs go cold, warm, after
    print(
        f"  CPU (ap and its git), medians: cold {cpu[0]:.2f} s, warm {cpu[1]:.2f} s, "
        f"after a commit {cpu[2]:.2f} s"
    )


if __name__ == "__main__":
    main()
