"""A compact map of the repository for an LLM analyst's prompt."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from ap.analyze.index import RepoIndex
from ap.analyze.relevance import Ranked


def repo_map(index: RepoIndex, ranked: list[Ranked], *, max_chars: int = 12_000) -> str:
    """Folders with file counts, then the best-ranked files with symbols and docstrings."""
    folders = Counter(str(PurePosixPath(p).parent) for p in index.files)
    lines = [f"{len(index.files)} files. Folders (files):"]
    lines += [f"  {folder}/ ({n})" for folder, n in sorted(folders.items())[:60]]
    lines.append("Most relevant files (path: symbols — docstring):")
    for r in ranked[:60]:
        info = index.files[r.path]
        symbols = ", ".join(info.symbols[:12])
        doc = f" — {info.doc}" if info.doc else ""
        lines.append(f"  {r.path}: {symbols}{doc}")
    text = "\n".join(lines)
    return text if len(text) <= max_chars else text[:max_chars] + "\n  …"
