"""Planning figures: conflict graph, waves, whole plan (build + validation).

    python benchmarks/bench_plan.py [--objectives 500] [--max-parallel 8] [--seed 1]
                                    [--small 25] [--small-runs 20]

Prints seconds, waves, lower bound and whether the schedule is proven optimal,
for realistic plans of --objectives objectives (packages with modules, shared
``__init__.py`` files, dependencies on recent objectives; 6 and, denser, 25
objectives per package), with and without --max-parallel;
and how long the exact search takes on random plans of --small objectives with
dense conflicts (the hard case for proving optimality).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time

from ap.core.config import ApConfig
from ap.core.models import ObjectiveSpec
from ap.plan.build import build_plan
from ap.plan.graph import conflict_graph
from ap.plan.schedule import schedule


def objectives(n: int, rng: random.Random, per_package: int = 6) -> list[ObjectiveSpec]:
    """Objectives over packages of modules; some share files; dependencies point back."""
    packages = max(1, n // per_package)
    specs = []
    for i in range(n):
        pkg = f"pkg{rng.randrange(packages)}"
        mod = rng.randrange(12)
        touch = [f"src/{pkg}/mod{mod}/", f"tests/{pkg}/test_mod{mod}*.py"]
        if rng.random() < 0.08:
            touch.append(f"src/{pkg}/__init__.py")
        if rng.random() < 0.02:
            touch.append("docs/guide/**/*.md")
        deps = [
            f"T{j}" for j in rng.sample(range(max(0, i - 40), i), min(i, 2)) if rng.random() < 0.2
        ]
        points = [f"uses {d}" for d in deps]
        specs.append(
            ObjectiveSpec(
                id=f"T{i}",
                title=f"objective {i}",
                scope_touch=touch,
                depends_on=deps,
                integration_points=points,
            )
        )
    return specs


def realistic(n: int, max_parallel: int | None, seed: int, per_package: int) -> None:
    specs = objectives(n, random.Random(seed), per_package)
    start = time.perf_counter()
    conflicts = conflict_graph(specs)
    graph_s = time.perf_counter() - start
    start = time.perf_counter()
    result = schedule(
        [s.id for s in specs],
        {s.id: s.depends_on for s in specs},
        [(c.a, c.b) for c in conflicts],
        max_parallel,
    )
    sched_s = time.perf_counter() - start
    start = time.perf_counter()
    plan = build_plan(
        specs,
        plan_id="bench",
        request="bench",
        global_forbid=ApConfig().effective_global_forbid(),
        max_parallel=max_parallel,
    )
    plan_s = time.perf_counter() - start
    proven = "proven optimal" if result.optimal else "not proven optimal"
    print(
        f"{n} objectives ({per_package} per package), max_parallel {max_parallel}: "
        f"{len(conflicts)} conflicting pairs "
        f"in {graph_s:.3f} s; scheduling {sched_s:.3f} s: {len(result.waves)} waves, "
        f"lower bound {result.lower_bound}, {proven}; "
        f"whole plan (build + validate) {plan_s:.3f} s, valid {plan.scope_validation.valid}"
    )


def small_hard(n: int, runs: int, seed: int) -> None:
    if runs <= 0:
        return
    rng = random.Random(seed)
    times, proven, waves_over_bound = [], 0, 0
    for _ in range(runs):
        ids = [f"T{i}" for i in range(n)]
        deps = {t: [ids[j] for j in range(i) if rng.random() < 0.08] for i, t in enumerate(ids)}
        density = rng.choice([0.3, 0.5, 0.7])
        pairs = [p for p in itertools.combinations(ids, 2) if rng.random() < density]
        cap = rng.choice([None, 3, 5])
        start = time.perf_counter()
        result = schedule(ids, deps, pairs, cap)
        times.append(time.perf_counter() - start)
        proven += result.optimal
        waves_over_bound += len(result.waves) - result.lower_bound
    print(
        f"{runs} random plans of {n} objectives (conflict density 0.3-0.7): "
        f"median {statistics.median(times):.3f} s, max {max(times):.3f} s; "
        f"{proven}/{runs} proven optimal; total gap to the bound {waves_over_bound} wave(s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objectives", type=int, default=500)
    parser.add_argument("--max-parallel", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", type=int, default=25)
    parser.add_argument("--small-runs", type=int, default=20)
    args = parser.parse_args()
    for per_package in (6, 25):
        realistic(args.objectives, None, args.seed, per_package)
        realistic(args.objectives, args.max_parallel, args.seed, per_package)
    small_hard(args.small, args.small_runs, args.seed)


if __name__ == "__main__":
    main()
