"""Oracles nobody here wrote: git's own ignore matching, and brute force."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Sequence
from pathlib import Path


class GitIgnoreOracle:
    """Asks `git check-ignore --no-index` whether an anchored pattern covers paths."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        subprocess.run(["git", "init", "-q", str(workdir)], check=True)
        self.exclude = workdir / "patterns"

    def covered(self, pattern: str, paths: Sequence[str], *, case_sensitive: bool) -> list[bool]:
        # A leading `/` anchors the pattern at the root, as ap's scopes always are.
        anchored = pattern if pattern.startswith("/") else "/" + pattern
        self.exclude.write_text(anchored + "\n", encoding="utf-8")
        proc = subprocess.run(
            [
                "git",
                "-c",
                f"core.excludesFile={self.exclude}",
                "-c",
                f"core.ignorecase={'false' if case_sensitive else 'true'}",
                "check-ignore",
                "--no-index",
                "--stdin",
                "-z",
                "-v",
                "-n",
            ],
            cwd=self.workdir,
            input="".join(p + "\0" for p in paths).encode(),
            capture_output=True,
            check=False,
        )
        assert proc.returncode in (0, 1), proc.stderr
        fields = proc.stdout.decode().split("\0")
        records = [fields[i : i + 4] for i in range(0, len(fields) - 1, 4)]
        assert [r[3] for r in records] == list(paths)
        return [bool(r[2]) for r in records]


def all_paths(segment_chars: str, max_segment_len: int, max_depth: int) -> list[str]:
    """Every path whose segments are strings over ``segment_chars`` (no `.`/`..` segments)."""
    segments = [
        "".join(chars)
        for n in range(1, max_segment_len + 1)
        for chars in itertools.product(segment_chars, repeat=n)
    ]
    segments = [s for s in segments if s not in (".", "..")]
    paths: list[str] = []
    level = [""]
    for _ in range(max_depth):
        level = [f"{prefix}/{s}" if prefix else s for prefix in level for s in segments]
        paths.extend(level)
    return paths
