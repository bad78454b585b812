"""History: commits, their messages and trailers, and the files each one changed."""

from __future__ import annotations

from collections.abc import Sequence

from ap.git.objects import Objects
from ap.git.refs import Refs


def parse_trailers(message: str) -> dict[str, str]:
    """The ``Key: value`` trailers of a commit message's last paragraph (last one wins)."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return {}
    trailers: dict[str, str] = {}
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key.strip():
            return {}
        trailers[key.strip()] = value.strip()
    return trailers


def _parents(commit: bytes) -> list[str]:
    """The parent ids in a raw commit object's header."""
    header = commit.partition(b"\n\n")[0]
    return [line[7:].decode() for line in header.split(b"\n") if line.startswith(b"parent ")]


class History(Objects, Refs):
    """Reading the history of commits."""

    def rev_list(self, *args: str) -> list[str]:
        return self.run("rev-list", *args).split()

    def commits_in(self, ranges: Sequence[tuple[str, str]]) -> list[list[str]]:
        """The commits of each ``old..new`` range, oldest first.

        An objective branch is usually one commit on its start: the heads are read
        with one process and such ranges answered from their parents; the others
        go to ``git rev-list``, a few at a time.
        """
        from concurrent.futures import ThreadPoolExecutor

        def commits(pair: tuple[str, str]) -> list[str]:
            return self.rev_list("--reverse", f"{pair[0]}..{pair[1]}")

        heads = self.read_blobs(sorted({new for old, new in ranges if old != new}))
        found: dict[int, list[str]] = {}
        for number, (old, new) in enumerate(ranges):
            if old == new:
                found[number] = []
            elif new in heads and _parents(heads[new]) == [old]:
                found[number] = [new]
        rest = [n for n in range(len(ranges)) if n not in found]
        with ThreadPoolExecutor(max_workers=4) as pool:
            found.update(zip(rest, pool.map(commits, [ranges[n] for n in rest]), strict=True))
        return [found[n] for n in range(len(ranges))]

    def message(self, rev: str) -> str:
        """The full commit message of ``rev``."""
        return self.run("log", "-1", "--format=%B", rev)

    def messages(self, commits: Sequence[str]) -> dict[str, str]:
        """``{commit id: message}`` of many commits through one ``git cat-file --batch``."""
        found = {}
        for oid, data in self.read_blobs(commits).items():
            _, sep, message = data.partition(b"\n\n")
            if sep:
                found[oid] = message.decode(errors="replace")
        return found

    def log_messages(self, rev: str, *, first_parent: bool = True) -> list[tuple[str, str]]:
        """``(commit id, message)`` from ``rev`` back, newest first."""
        args = ["log", "--format=%H%x1f%B%x1e"]
        if first_parent:
            args.append("--first-parent")
        out = self.run(*args, rev)
        rows = []
        for record in out.split("\x1e"):
            commit, sep, message = record.strip("\n").partition("\x1f")
            if sep:
                rows.append((commit, message))
        return rows

    def log_files(
        self, rev: str = "HEAD", *, max_count: int = 2000, since: str | None = None
    ) -> list[tuple[int, str, list[str]]]:
        """``(commit time, subject and body, paths)`` of recent non-merge commits, newest first.

        With ``since`` (a commit), only the commits after it (``since..rev``).
        """
        if self.rev_parse(rev) is None:
            return []
        out = self.run_bytes(
            "log",
            "--no-merges",
            "--no-renames",
            f"--max-count={max_count}",
            "--name-only",
            "-z",
            "--format=%x1e%ct%x1f%B%x1f",
            f"{since}..{rev}" if since else rev,
        ).stdout.decode(errors="replace")
        commits = []
        for record in out.split("\x1e"):
            if not record.strip():
                continue
            stamp, message, files = [*record.split("\x1f", 2), "", ""][:3]
            paths = [p.strip("\n") for p in files.split("\0") if p.strip("\n")]
            commits.append((int(stamp or 0), message.strip(), paths))
        return commits
