"""GitPython against ap's own git adapter, on the jobs GitPython could take over.

    python benchmarks/bench_gitpython.py [--files 20000] [--blobs 2000] [--runs 7]

Needs GitPython installed next to ap (``pip install GitPython``: ap does not depend
on it). Builds a repository of --files files with one linked worktree, then prints
the median wall time of, side by side:

- importing GitPython in a fresh interpreter (against a bare interpreter),
- finding the repository from a sub-folder,
- reading one config value (user.name),
- listing the worktrees,
- reading --blobs blobs by id (both keep one ``git cat-file --batch`` open),
- the first of those reads in a fresh process (start-up included).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _bench import ENV, make_repository, module_path, sh


def median(job: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh(code: str, runs: int) -> float:
    """A new interpreter running ``code``."""
    cmd = [sys.executable, "-c", code]
    return median(lambda: subprocess.run(cmd, check=True, env=ENV), runs)


def row(what: str, ours: float, theirs: float) -> None:
    print(f"  {what:<34} {ours * 1000:9.1f} ms {theirs * 1000:9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--blobs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    try:
        import git as gitpython
    except ImportError:
        raise SystemExit("GitPython is not installed: pip install GitPython") from None
    from ap.git import Git, find_root

    tmp = Path(tempfile.mkdtemp(prefix="ap-bench-gitpython-"))
    try:
        root = tmp / "repo"
        root.mkdir()
        make_repository(root, args.files)
        sh(root, "git", "config", "user.name", "bench")
        sh(root, "git", "worktree", "add", "-q", "--detach", str(tmp / "linked"))
        sub = root / Path(module_path(0)).parent
        ids = sh(root, "git", "ls-tree", "-r", "--format=%(objectname)", "HEAD").split()
        ids = ids[: args.blobs]
        n = args.runs
        print(f"repository: {args.files} files; median of {n} runs")
        print(f"  {'':<34} {'ap.git':>12} {'GitPython':>12}")
        row("import (fresh interpreter)", fresh("import ap.git", n), fresh("import git", n))
        row(
            "find the repository",
            median(lambda: find_root(sub), n),
            median(lambda: gitpython.Repo(sub, search_parent_directories=True).working_tree_dir, n),
        )
        ours, theirs = Git(root), gitpython.Repo(root)
        row(
            "config user.name",
            median(lambda: ours.config("user.name"), n),
            median(lambda: theirs.config_reader().get_value("user", "name"), n),
        )
        row(
            "worktree list",
            median(ours.worktrees, n),
            median(lambda: theirs.git.worktree("list", "--porcelain"), n),
        )
        ours.read_blobs(ids[:1])
        theirs.git.get_object_data(ids[0])
        row(
            f"read {len(ids)} blobs (reader open)",
            median(lambda: ours.read_blobs(ids), n),
            median(lambda: [theirs.git.get_object_data(i) for i in ids], n),
        )
        first = f"{ids[0]!r}"
        row(
            "read 1 blob, fresh process",
            fresh(f"from ap.git import Git; Git({str(root)!r}).read_blobs([{first}])", n),
            fresh(f"import git; git.Repo({str(root)!r}).git.get_object_data({first})", n),
        )
        bare = fresh("pass", n)
        print(f"  (a bare interpreter starts in {bare * 1000:.1f} ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
