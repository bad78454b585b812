"""Scope quality on real commits: the shared scope benchmark plus new-file recall and objectives.

    python benchmarks/bench_scope_quality.py --bench ../shared/bench --mirror DIR \\
        [--ap "python -m ap"] [--limit N] [INSTANCES.jsonl ...]

Wraps ``eval_scope.py`` from the ``--bench`` folder (its checkout, its BM25 baseline,
its scoring: nothing is re-implemented), and prints, next to its figures:

- ``new_recall``: gold files the commit added (status ``A``) that the scope covers,
  over all added gold files (a scope that never names a new file scores 0);
- ``objectives``: the median number of objectives per plan;
- ``warned``: plans whose analysis reports a risk (a flat ranking, a vague request);
- ``invalid_plans``: plans whose scope validation failed (overlapping scopes).

Without INSTANCES it scores every ``scope-*.jsonl`` of the bench folder. Prints
measured figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any


def load_eval(bench: Path) -> ModuleType:
    """The shared ``eval_scope.py`` as a module (its functions are the scoring contract)."""
    spec = importlib.util.spec_from_file_location("eval_scope", bench / "eval_scope.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no eval_scope.py in {bench}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan_of(ap: str, dest: str, request: str, timeout: float) -> tuple[dict[str, Any], float]:
    """The plan ``ap plan --dry-run --json`` prints (its last JSON line with a plan).

    The analysis report's risks ride along as ``plan["_risks"]``.
    """
    cmd = [*shlex.split(ap), "plan", "--dry-run", "--json", request]
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=dest, capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.monotonic() - start
    plan = None
    risks: list[str] = []
    for line in proc.stdout.splitlines():
        try:
            event = json.loads(line) if line.lstrip().startswith("{") else None
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("plan"), dict):
            plan = event["plan"]
        if isinstance(event, dict) and isinstance(event.get("report"), dict):
            risks = [str(r) for r in event["report"].get("risks", [])]
    if plan is None:
        raise RuntimeError(f"ap exited {proc.returncode} without a plan: {proc.stderr[-300:]}")
    return {**plan, "_risks": risks}, elapsed


def score_instance(
    ev: ModuleType, args: argparse.Namespace, item: dict[str, Any]
) -> dict[str, Any]:
    """One real commit: plan it at its parent and score the scope against the gold files."""
    gitdir = str(Path(args.mirror) / item["repo"] / "repo")
    gold = sorted({g["path"] for g in item["gold"]})
    added = sorted({g["path"] for g in item["gold"] if g["status"] == "A"})
    with tempfile.TemporaryDirectory(prefix="apbench-") as tmp:
        dest = str(Path(tmp) / "w")
        ev.checkout(gitdir, item["parent"], dest)
        files = ev.files_at(dest)
        ranked = ev.bm25_rank(dest, files, item["request"])
        row: dict[str, Any] = {"id": item["commit"][:8], "repo": item["repo"], "gold": len(gold)}
        try:
            plan, secs = plan_of(args.ap, dest, item["request"], args.timeout)
            objectives = plan.get("objectives", [])
            patterns = [p for o in objectives for p in o.get("scope_touch", [])]
            spec = ev.pathspec.PathSpec.from_lines("gitwildmatch", patterns)
            size = sum(1 for p in files if spec.match_file(p))
            recall, cover = ev.score(spec.match_file, gold)
            row |= {"objectives": len(objectives), "secs": secs, "err": ""}
            row |= {"warned": bool(plan["_risks"])}
            row |= {"invalid": not plan.get("scope_validation", {}).get("valid", False)}
            row |= {"new_hit": sum(1 for a in added if spec.match_file(a))}
        except Exception as error:  # an instance that fails counts as zero, as in eval_scope
            size, recall, cover = 0, 0.0, False
            row |= {"objectives": 0, "secs": 0.0, "err": str(error)[:120], "warned": False}
            row |= {"invalid": True}
            row |= {"new_hit": 0}
        b_recall, b_cover = ev.score(set(ranked[: max(size, 1)]).__contains__, gold)
    return row | {
        "size": size,
        "recall": recall,
        "cover": cover,
        "added": len(added),
        "bm25_recall": b_recall,
        "bm25_cover": b_cover,
    }


def summary(rows: list[dict[str, Any]]) -> str:
    """The SUMMARY line: eval_scope's figures, then new-file recall and objectives per plan."""
    cover = statistics.mean(r["cover"] for r in rows)
    bm25 = statistics.mean(r["bm25_cover"] for r in rows)
    added = sum(r["added"] for r in rows)
    new_hit = sum(r["new_hit"] for r in rows)
    return (
        f"SUMMARY n={len(rows)} cover={cover:.3f} "
        f"recall={statistics.mean(r['recall'] for r in rows):.3f} "
        f"size={statistics.median(r['size'] for r in rows)} bm25_cover={bm25:.3f} "
        f"ratio={(cover / bm25) if bm25 else float('inf'):.2f} "
        f"new_recall={(new_hit / added) if added else 0.0:.3f} ({new_hit}/{added}) "
        f"objectives_median={statistics.median(r['objectives'] for r in rows)} "
        f"objectives_max={max(r['objectives'] for r in rows)} "
        f"warned={sum(1 for r in rows if r['warned'])} "
        f"invalid_plans={sum(1 for r in rows if r['invalid'])} "
        f"median_secs={statistics.median(r['secs'] for r in rows):.2f} "
        f"failed={sum(1 for r in rows if r['err'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bench", required=True, help="the folder of eval_scope.py")
    parser.add_argument("--mirror", required=True, help="DIR/<owner>+<name>/repo git dirs")
    parser.add_argument("instances", nargs="*")
    parser.add_argument("--ap", default="ap")
    parser.add_argument("--limit", type=int, default=0, help="instances per file")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    bench = Path(args.bench)
    ev = load_eval(bench)
    paths = args.instances or sorted(str(p) for p in bench.glob("scope-*.jsonl"))
    items: list[dict[str, Any]] = []
    for path in paths:
        lines = [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]
        items += lines[: args.limit] if args.limit else lines
    rows = []
    for n, item in enumerate(items, 1):
        row = score_instance(ev, args, item)
        rows.append(row)
        print(
            f"{n:3d} {row['repo']:<20} {row['id']} obj={row['objectives']:<2} "
            f"size={row['size']:<4} gold={row['gold']:<2} new={row['new_hit']}/{row['added']} "
            f"recall={row['recall']:.2f} bm25={row['bm25_recall']:.2f} "
            f"{row['secs']:5.1f}s {'warn ' if row['warned'] else ''}{row['err']}",
            flush=True,
        )
    print(summary(rows))


if __name__ == "__main__":
    main()
