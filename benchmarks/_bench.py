"""What the benchmark scripts share: a pinned git identity and a command runner."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Bytecode allowed (as for a regular install), a fixed identity for the commits made.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def sh(cwd: Path, *args: str, input: bytes | None = None) -> str:
    """Run a command; its stdout, or exit with its error output."""
    proc = subprocess.run(args, cwd=cwd, input=input, capture_output=True, env=ENV, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed: {proc.stderr.decode()[-2000:]}")
    return proc.stdout.decode()


def module_path(i: int) -> str:
    """The i-th file of a generated repository: 100 files a folder."""
    return f"pkg/d{i // 100:04d}/m{i:06d}.py"


def make_repository(root: Path, files: int) -> None:
    """``files`` small files (see :func:`module_path`) committed through git fast-import."""
    sh(root, "git", "init", "-q", "-b", "main")
    chunks = [b"commit refs/heads/main\ncommitter bench <b@example.invalid> 0 +0000\n"]
    chunks.append(b"data 4\ninit\n")
    for i in range(files):
        body = f"value = {i}\n".encode()
        path = module_path(i)
        chunks.append(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")
    sh(root, "git", "fast-import", "--quiet", input=b"".join(chunks))
    sh(root, "git", "reset", "-q", "--hard", "main")
