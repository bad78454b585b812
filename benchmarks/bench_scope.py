"""Scope algebra figures: conflict graph, overlap decisions per second, matcher throughput.

    python benchmarks/bench_scope.py [--objectives 2000] [--seed 1]

Prints measured figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time

from ap.scope import ScopeMatcher, find_conflicts, overlap
from ap.scope.overlap import _overlap_texts

PACKAGES = [f"pkg{n}" for n in range(60)]
MODULES = [f"mod{n}" for n in range(40)]


def objective_scope(rng: random.Random) -> list[str]:
    """Four patterns: a directory, a file, a glob, a deep path — mostly in distinct packages."""
    pkg = rng.choice(PACKAGES)
    sub = f"sub{rng.randrange(30)}"
    return [
        f"src/{pkg}/{sub}/",
        f"src/{pkg}/{rng.choice(MODULES)}_{rng.randrange(50)}.py",
        f"tests/{pkg}/test_{sub}_*.py",
        f"docs/{pkg}/{sub}/{rng.choice(MODULES)}/{rng.randrange(100)}/notes.md",
    ]


def bench_conflict_graph(n: int, rng: random.Random) -> None:
    scopes = {f"T{i}": objective_scope(rng) for i in range(n)}
    _overlap_texts.cache_clear()
    start = time.perf_counter()
    conflicts = find_conflicts(scopes)
    elapsed = time.perf_counter() - start
    pairs = n * (n - 1) // 2
    print(
        f"conflict graph: {n} objectives x 4 patterns: {elapsed:.3f} s, "
        f"{len(conflicts)} conflicting pairs of {pairs} ({100 * len(conflicts) / pairs:.2f}%)"
    )


def random_pattern(rng: random.Random) -> str:
    segs = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.15:
            segs.append("**")
        elif kind < 0.4:
            segs.append(rng.choice(["*", "*.py", "test_*", "a?c", "[ab]*"]))
        else:
            segs.append(rng.choice(["src", "lib", "a", "b", "auth", "api", "x.py"]))
    return "/".join(segs) + rng.choice(["", "/"])


def bench_decisions(count: int, rng: random.Random) -> None:
    pairs = [(random_pattern(rng), random_pattern(rng)) for _ in range(count)]
    _overlap_texts.cache_clear()
    start = time.perf_counter()
    hits = sum(overlap(a, b) is not None for a, b in pairs)
    elapsed = time.perf_counter() - start
    print(
        f"overlap decisions (random pairs, cold cache): {count / elapsed:,.0f} per second "
        f"({hits} of {count} overlap)"
    )
    globbed = [(f"**/{a}", f"*/{b}") for a, b in pairs[:2000]]
    _overlap_texts.cache_clear()
    start = time.perf_counter()
    for a, b in globbed:
        overlap(a, b)
    elapsed = time.perf_counter() - start
    print(
        f"overlap decisions (no prefix pruning possible): {len(globbed) / elapsed:,.0f} per second"
    )


def bench_matcher(count: int, rng: random.Random) -> None:
    paths = [
        "/".join(
            rng.choice(["src", "lib", "auth", "api", "x", "tests"])
            for _ in range(rng.randint(1, 5))
        )
        + rng.choice([".py", ".md", ""])
        for _ in range(count)
    ]
    matcher = ScopeMatcher(["src/auth/", "**/*.md", "tests/test_auth*.py", "lib/api/x.py"])
    start = time.perf_counter()
    hits = sum(matcher.covers(p) for p in paths)
    elapsed = time.perf_counter() - start
    print(f"scope matcher: {count:,} paths in {elapsed:.3f} s ({hits:,} covered)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objectives", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bench_conflict_graph(args.objectives, rng)
    bench_decisions(args.pairs, rng)
    bench_matcher(args.paths, rng)


if __name__ == "__main__":
    main()
