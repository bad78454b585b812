"""Hook latency: ap's installed pre-commit hook on a big repository, side by side.

    python benchmarks/bench_hook.py [--files 50000] [--staged 1000] [--runs 15] [--keep DIR]

Builds a repository of --files files (with git fast-import), plans two objectives
with ``ap plan --from``, starts them, stages --staged changed files inside T1's
scope on T1's branch, installs ap's hook, then prints the median wall time of:

- the installed hook (``.git/hooks/pre-commit``, exactly what ``git commit`` runs),
- ``git diff --cached --raw`` alone (the floor: reading what is staged),
- a no-op hook (``true``) run through the pre-commit framework
  (``pre-commit run --hook-stage pre-commit``),

and the hook's time as a fraction of the pre-commit framework's no-op (target < 0.15).
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

from _bench import ENV, make_repository, sh


def median_time(cmd: list[str], cwd: Path, runs: int, ok: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, env=ENV, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            raise SystemExit(f"{cmd} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--staged", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ap-bench-hook-"))
    root = args.keep or tmp / "repo"
    root.mkdir(parents=True, exist_ok=True)
    ap = [sys.executable, "-m", "ap"]
    try:
        started = time.perf_counter()
        make_repository(root, args.files)
        # The first --staged files' folders are T1's scope; the rest is T2's.
        folders = sorted({f"pkg/d{i // 100:04d}/" for i in range(args.staged)})
        objectives = tmp / "objectives.yaml"
        objectives.write_text(
            "request: benchmark\nobjectives:\n"
            f"  - id: T1\n    title: first\n    scope_touch: [{', '.join(folders)}]\n"
            "  - id: T2\n    title: rest\n    scope_touch: [other/]\n",
            encoding="utf-8",
        )
        sh(root, *ap, "plan", "--from", str(objectives))
        # (read before `ap start`, which commits the draft and removes it from the work tree)
        plan_id = next((root / "docs" / "plans").glob("PLAN_*.md")).stem[len("PLAN_") :]
        sh(root, *ap, "start")
        work = root.parent / "T1"  # a linked worktree, as objectives are worked on
        sh(root, "git", "worktree", "add", "-q", str(work), f"ap/{plan_id}/T1")
        for i in range(args.staged):
            path = work / f"pkg/d{i // 100:04d}/m{i:06d}.py"
            path.write_text(f"value = {i} + 1\n", encoding="utf-8")
        sh(work, "git", "add", "pkg")
        sh(root, *ap, "hook", "install")
        # As `pip install` does for a regular install: byte-compile ap and its dependencies
        # once, so no run pays for compiling Python source.
        import yaml

        import ap as ap_package

        for package in (ap_package, yaml):
            sh(root, sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent))
        print(
            f"repository: {args.files} files, {args.staged} staged in scope "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )

        hook = median_time([str(root / ".git" / "hooks" / "pre-commit")], work, args.runs)
        diff = median_time(["git", "diff", "--cached", "--raw", "--no-renames"], work, args.runs)
        config = tmp / "pre-commit-noop.yaml"
        config.write_text(
            "repos:\n  - repo: local\n    hooks:\n      - id: noop\n        name: noop\n"
            "        entry: 'true'\n        language: system\n        pass_filenames: false\n"
            "        always_run: true\n",
            encoding="utf-8",
        )
        ENV["PRE_COMMIT_HOME"] = str(tmp / "pre-commit-home")
        framework_cmd = [
            sys.executable, "-m", "pre_commit", "run", "-c", str(config),
            "--hook-stage", "pre-commit",
        ]  # fmt: skip
        median_time(framework_cmd, work, 1)  # warm its cache once
        framework = median_time(framework_cmd, work, args.runs)
        print(f"median of {args.runs} runs:")
        print(f"  ap hook (installed)                    {hook * 1000:8.1f} ms")
        print(f"  git diff --cached --raw                {diff * 1000:8.1f} ms")
        print(f"  pre-commit framework, no-op hook       {framework * 1000:8.1f} ms")
        print(f"ap hook / pre-commit no-op: {hook / framework:.3f} (target < 0.15)")
        print(f"ap hook / git diff --cached: {hook / diff:.1f}x")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
