"""Command speed on large plans: what a person waits for at the terminal.

    python benchmarks/bench_commands.py [--sizes 500,1000,2000] [--start-size 1000]
                                        [--plans 400] [--runs 3]

Prints, each as the median of --runs runs of the real ``ap`` command line:

- ``ap plan --from FILE`` for plans of each of --sizes objectives (disjoint scopes, one
  objective in ten depending on the one before it, so most share a wave: the case where
  a stored per-objective forbid list grows quadratically), and the plan file's size;
- ``ap start``, ``ap show`` and ``ap status`` on the plan of --start-size objectives;
- ``ap list`` in a repository holding --plans plans (one of them started): the first
  time, and again (what it has listed before in the same form, it does not read whole);
- ``ap --help`` and ``ap plan --help``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _bench import sh

AP = (sys.executable, "-m", "ap")


def new_repository(root: Path) -> Path:
    root.mkdir(parents=True)
    sh(root, "git", "init", "-q", "-b", "main")
    (root / "README.md").write_text("# bench\n")
    sh(root, "git", "add", "-A")
    sh(root, "git", "commit", "-q", "-m", "init")
    return root


def objectives_file(folder: Path, n: int) -> Path:
    """n objectives with disjoint scopes; every tenth depends on the one before it."""
    lines = ["request: benchmark", "objectives:"]
    for t in range(1, n + 1):
        lines += [f"  - id: T{t}", f"    title: objective {t}"]
        lines.append(f"    scope_touch: [src/t{t}/, tests/test_t{t}.py]")
        if t % 10 == 0:
            lines += [f"    depends_on: [T{t - 1}]", '    integration_points: ["follows"]']
    path = folder / f"objectives-{n}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plan_file(root: Path) -> Path:
    return next((root / "docs" / "plans").glob("PLAN_*.md"))


def bench_plan_from(folder: Path, n: int, runs: int) -> Path:
    """``ap plan --from`` of n objectives; the repository of the last run is kept."""
    source = objectives_file(folder, n)
    root = folder / f"plan-{n}"

    def once() -> None:
        shutil.rmtree(root, ignore_errors=True)
        new_repository(root)
        start = time.perf_counter()
        sh(root, *AP, "plan", "--from", str(source))
        durations.append(time.perf_counter() - start)

    durations: list[float] = []
    for _ in range(runs):
        once()
    size = plan_file(root).stat().st_size
    print(
        f"ap plan --from ({n} objectives): {statistics.median(durations):.2f} s, "
        f"plan file {size / 1e6:.2f} MB"
    )
    return root


def bench_started(root: Path, n: int, runs: int) -> None:
    """``ap start`` (once: it cannot run twice), then ``ap show`` and ``ap status``."""
    start = time.perf_counter()
    sh(root, *AP, "start")
    print(f"ap start ({n} objectives): {time.perf_counter() - start:.2f} s")
    for command in ("show", "status"):
        took = timed(lambda c=command: sh(root, *AP, c), runs)
        print(f"ap {command} ({n} objectives, started): {took:.2f} s")
    took = timed(lambda: sh(root, *AP, "show", "--json"), runs)
    print(f"ap show --json ({n} objectives, started): {took:.2f} s")


def bench_list(folder: Path, plans: int, runs: int) -> None:
    """``ap list`` over ``plans`` plans: one made by ap and started, the rest copies of it."""
    root = new_repository(folder / "list")
    source = folder / "small.yaml"
    source.write_text(
        "request: small\nobjectives:\n"
        + "".join(f"  - {{id: T{t}, title: t{t}, scope_touch: [src/t{t}/]}}\n" for t in range(8))
    )
    sh(root, *AP, "plan", "--from", str(source))
    first = plan_file(root)
    text = first.read_text()
    plan_id = first.name[len("PLAN_") : -len(".md")]
    for i in range(1, plans):
        copy_id = f"{plan_id}-copy{i}"
        (first.parent / f"PLAN_{copy_id}.md").write_text(text.replace(plan_id, copy_id))
    sh(root, *AP, "start", plan_id)
    first = timed(lambda: sh(root, *AP, "list"), 1)
    took = timed(lambda: sh(root, *AP, "list"), runs)
    print(f"ap list ({plans} plans): first {first:.2f} s, then {took:.2f} s")
    took = timed(lambda: sh(root, *AP, "status"), runs)
    print(f"ap status ({plans} plans, latest has 8 objectives): {took:.2f} s")


def bench_help(folder: Path, runs: int) -> None:
    for args in (("--help",), ("plan", "--help")):
        took = timed(lambda a=args: sh(folder, *AP, *a), runs)
        print(f"ap {' '.join(args)}: {took:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--start-size", type=int, default=1000)
    parser.add_argument("--plans", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ap-bench-commands-"))
    try:
        bench_help(folder, args.runs)
        kept: dict[int, Path] = {}
        for n in (int(s) for s in args.sizes.split(",") if s):
            kept[n] = bench_plan_from(folder, n, 1 if n >= 2000 else args.runs)
        root = kept.get(args.start_size) or bench_plan_from(folder, args.start_size, 1)
        bench_started(root, args.start_size, args.runs)
        bench_list(folder, args.plans, args.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
