"""What the project's own past says: which files change, change together, and why.

From ``git log`` (recency weighted, huge commits ignored) and from past
Accomplishment Reports (request → files), so the analyst learns from the
project's own history.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ap.analyze.text import bag
from ap.git import Git, parse_trailers

MAX_COMMITS = 3000
HUGE_COMMIT = 40  # files; such commits are sweeping changes, not evidence of coupling
HALF_LIFE = 400  # commits
DECAY = math.log(2) / HALF_LIFE
MAX_NEWER = 200  # new commits folded into a cached history; more read the log again
CACHE_VERSION = 2  # 2: ap's own commits left out


@dataclass
class History:
    """Change frequency, co-change and the words of past changes, per file."""

    commits: int = 0
    frequency: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    cochange: dict[str, dict[str, float]] = field(default_factory=dict)
    messages: dict[str, Counter[str]] = field(default_factory=dict)
    # folder → suffix → files that appeared there (where a project's new files go)
    added: dict[str, Counter[str]] = field(default_factory=dict)
    _top: float | None = field(default=None, repr=False, compare=False)

    def share(self, path: str) -> float:
        """The share of recent commits that touched ``path``."""
        return self.counts.get(path, 0) / self.commits if self.commits else 0.0

    def prior(self, path: str) -> float:
        """How often (recency weighted) a path changed, scaled to 0..1."""
        if self._top is None:
            self._top = max(self.frequency.values(), default=0.0)
        return self.frequency.get(path, 0.0) / self._top if self._top else 0.0


def _add(history: History, weight: float, message: str, paths: list[str]) -> None:
    words = bag(message)
    for path in paths:
        history.frequency[path] = history.frequency.get(path, 0.0) + weight
        history.counts[path] = history.counts.get(path, 0) + 1
        history.messages.setdefault(path, Counter()).update(words)
        partners = history.cochange.setdefault(path, {})
        for other in paths:
            if other != path:
                partners[other] = partners.get(other, 0.0) + weight / math.sqrt(len(paths))


def _learn(history: History, request: str, paths: list[str]) -> None:
    """A past plan's request and the files it changed: the words of the request for each
    file, and that the files change together. Not how often they change: the plan's
    commits say that already, once merged (and ap/analyze/learning.py cites a plan by
    exactly these two signals)."""
    words = bag(request)
    for path in paths:
        history.messages.setdefault(path, Counter()).update(words)
        partners = history.cochange.setdefault(path, {})
        for other in paths:
            if other != path:
                partners[other] = partners.get(other, 0.0) + 1.0 / math.sqrt(len(paths))


def read_history(git: Git, past_requests: list[tuple[str, list[str]]] | None = None) -> History:
    """The history of HEAD plus past accomplishments' ``(request, files)``.

    The part read from git is cached by HEAD (see historycache.py): the same HEAD
    reads nothing, a few new commits are folded into the cached history.
    """
    from ap.analyze.historycache import load_history, save_history

    head = git.rev_parse("HEAD")
    cached_head, history = load_history(git, CACHE_VERSION, History)
    if head is None:
        history = History()
    elif history is None or cached_head is None:
        history = _from_log(project_commits(git.log_files("HEAD", max_count=MAX_COMMITS)))
        save_history(git, CACHE_VERSION, head, history)
    elif cached_head != head:
        newer = (
            git.log_files("HEAD", max_count=MAX_NEWER + 1, since=cached_head)
            if git.is_ancestor(cached_head, head)
            else []
        )
        if 0 < len(newer) <= MAX_NEWER:
            _advance(history, project_commits(newer))
        else:
            history = _from_log(project_commits(git.log_files("HEAD", max_count=MAX_COMMITS)))
        save_history(git, CACHE_VERSION, head, history)
    for request, paths in past_requests or []:
        _learn(history, request, paths)
    _keep_strongest(history)
    return history


def is_ap_step(message: str) -> bool:
    """Whether a commit is one of ap's own steps (plan, start, merge, accomplish, …).

    Such a commit records ap's state (plans, reports, the managed sections of README,
    PRD and AGENTS), not how the project's files change together; a worker's commit
    carries ``AP-Task`` but no ``AP-Step`` and stays evidence.
    """
    trailers = parse_trailers(message)
    return "AP-Step" in trailers and "AP-Plan" in trailers


def project_commits(commits: list[tuple[int, str, list[str]]]) -> list[tuple[int, str, list[str]]]:
    """``commits`` without ap's own steps (see :func:`is_ap_step`)."""
    return [c for c in commits if not is_ap_step(c[1])]


def _from_log(commits: list[tuple[int, str, list[str]]]) -> History:
    history = History()
    history.commits = len(commits)
    first_seen: dict[str, int] = {}
    for n, (_, message, paths) in enumerate(commits):
        if 0 < len(paths) <= HUGE_COMMIT:
            _add(history, math.exp(-DECAY * n), message, paths)
        first_seen.update(dict.fromkeys(paths, n))  # newest first: ends at the oldest
    _record_additions(history, first_seen, complete=len(commits) < MAX_COMMITS)
    _keep_strongest(history)
    return history


def _advance(history: History, newer: list[tuple[int, str, list[str]]]) -> None:
    """Fold commits made after the cached history into it (``newer``: newest first).

    Every older commit is ``len(newer)`` places further back, so its weight decays
    by that much; a path never seen before is an addition. Commits past
    ``MAX_COMMITS`` stay in (their weight is near zero by then).
    """
    factor = math.exp(-DECAY * len(newer))
    for path in history.frequency:
        history.frequency[path] *= factor
    for partners in history.cochange.values():
        for other in partners:
            partners[other] *= factor
    for _, _, paths in reversed(newer):  # oldest first: the first sight is the addition
        for path in paths:
            if path not in history.counts:
                folder, _, name = path.rpartition("/")
                suffix = name[name.rfind(".") :] if "." in name.lstrip(".") else ""
                history.added.setdefault(folder or ".", Counter())[suffix] += 1
    for n, (_, message, paths) in enumerate(newer):
        if 0 < len(paths) <= HUGE_COMMIT:
            _add(history, math.exp(-DECAY * n), message, paths)
    history.commits += len(newer)
    history._top = None


def _keep_strongest(history: History) -> None:
    for path in list(history.cochange):
        strongest = sorted(history.cochange[path].items(), key=lambda kv: -kv[1])[:30]
        history.cochange[path] = dict(strongest)


def _record_additions(history: History, first_seen: dict[str, int], *, complete: bool) -> None:
    """Where files appeared: a path's oldest commit in the log is taken as its addition.

    The root commit (the initial import) says nothing about where new files go; in a
    log cut at ``MAX_COMMITS`` only the newer half counts, as an older file's first
    change in the window is not its birth.
    """
    last = history.commits - 1
    horizon = last if complete else last // 2
    for path, n in first_seen.items():
        if n >= horizon:
            continue
        folder, _, name = path.rpartition("/")
        suffix = name[name.rfind(".") :] if "." in name.lstrip(".") else ""
        history.added.setdefault(folder or ".", Counter())[suffix] += 1


def cochange_of(history: History, paths: list[str]) -> defaultdict[str, float]:
    """Files that changed together with ``paths``, with normalised strength."""
    out: defaultdict[str, float] = defaultdict(float)
    for path in paths:
        partners = history.cochange.get(path)
        if not partners:
            continue
        own = history.frequency.get(path, 1.0) or 1.0
        for other, weight in partners.items():
            out[other] = max(out[other], weight / own)
    return out
