"""``ap hook install | uninstall``: the pre-commit hook that runs the scope check.

The hook lives in the repository's common hooks folder, so it runs in every
worktree. An existing pre-commit hook is chained (run first) and restored on
uninstall. With ``core.hooksPath`` the hook goes there, unless that folder is
inside the work tree (a hook manager's tracked folder): then ap refuses and says
how to call the check from that manager instead.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from ap.core.errors import ConfigError
from ap.core.fsutil import atomic_write
from ap.git import Git

MARK = "# ap-scope-hook"
HOOK = "pre-commit"
CHAINED = "pre-commit.ap-chained"
PYTHON_LINE = "AP_PYTHON="


def packaged_script() -> str:
    """The hook as shipped (``ap/hooks/pre-commit``; ``hooks/pre-commit`` in a clone of ap)."""
    from importlib.resources import files

    return (files("ap") / "hooks" / HOOK).read_text(encoding="utf-8")


def hook_script(python: str) -> str:
    """The hook to install: the shipped one, told which interpreter has ap."""
    lines = packaged_script().splitlines(keepends=True)
    at = lines.index(PYTHON_LINE + "\n")
    lines[at] = f"{PYTHON_LINE}{shlex.quote(python)}\n"
    return "".join(lines)


def version_of(text: str) -> int | None:
    """The version of an ap hook's text (``# ap-scope-hook N``; 1 before versions), or None."""
    for line in text.splitlines()[:3]:
        if line.startswith(MARK):
            number = line[len(MARK) :].strip()
            return int(number) if number.isdigit() else 1
    return None


@dataclass(frozen=True)
class HookResult:
    path: Path
    action: str  # installed, updated, unchanged, removed, absent
    chained: bool = False
    previous: int | None = None  # the version an update replaced

    def describe(self) -> str:
        chained = f" (chains the existing hook, kept as {CHAINED})" if self.chained else ""
        return {
            "installed": f"installed the scope hook at {self.path}{chained}",
            "updated": f"updated the scope hook at {self.path}{self._upgrade}{chained}",
            "unchanged": f"the scope hook is already installed at {self.path}; nothing changed",
            "removed": f"removed the scope hook from {self.path}"
            + (" and restored the hook it chained" if self.chained else ""),
            "absent": f"no ap scope hook at {self.path}; nothing changed",
        }[self.action]

    @property
    def _upgrade(self) -> str:
        current = version_of(packaged_script())
        if self.previous is None or self.previous == current:
            return ""
        return f" from version {self.previous} to {current}"


def hooks_dir(git: Git) -> Path:
    """Where git looks for hooks, refusing a core.hooksPath inside the work tree."""
    configured = git.config("core.hooksPath")
    folder = git.git_path("hooks").resolve()
    if configured:
        root = git.root.resolve()
        if folder == root or root in folder.parents:
            raise ConfigError(
                f"core.hooksPath is {configured!r}, a folder inside the repository "
                "(managed by a hook tool); ap will not write there",
                hint="call `ap check-scope --staged` from that tool's pre-commit hook, "
                "or use the `ap-check-scope` hook of .pre-commit-hooks.yaml",
            )
    return folder


def _is_ours(path: Path) -> bool:
    return _installed_version(path) is not None


def _installed_version(path: Path) -> int | None:
    try:
        return version_of(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def install(git: Git, *, python: str | None = None) -> HookResult:
    """Install the hook (chaining one that is not ap's), and validate ap.yaml once for it:
    the hook's settings are kept, so no commit pays for loading the schema."""
    result = _install(git, python=python)
    from ap.core.errors import ApError
    from ap.core.settings import Settings

    with contextlib.suppress(ApError):  # (a broken ap.yaml is said by the first commit)
        Settings.load(git.root, str(git.git_dir() / "ap" / "cache"))
    return result


def _install(git: Git, *, python: str | None = None) -> HookResult:
    folder = hooks_dir(git)
    hook, chained = folder / HOOK, folder / CHAINED
    script = hook_script(python or sys.executable)
    if hook.exists() or hook.is_symlink():
        previous = _installed_version(hook)
        if previous is not None:
            if hook.read_text(encoding="utf-8") == script:
                return HookResult(hook, "unchanged", chained.exists())
            _write(hook, script)
            return HookResult(hook, "updated", chained.exists(), previous)
        if chained.exists() or chained.is_symlink():
            raise ConfigError(
                f"{hook} is not ap's, and {chained} already exists",
                hint="move one of them away, then run `ap hook install` again",
            )
        os.replace(hook, chained)
        _write(hook, script)
        return HookResult(hook, "installed", True)
    _write(hook, script)
    return HookResult(hook, "installed", chained.exists())


def uninstall(git: Git) -> HookResult:
    folder = git.git_path("hooks").resolve()
    hook, chained = folder / HOOK, folder / CHAINED
    if not _is_ours(hook):
        return HookResult(hook, "absent")
    hook.unlink()
    if chained.exists() or chained.is_symlink():
        os.replace(chained, hook)
        return HookResult(hook, "removed", True)
    return HookResult(hook, "removed")


def _write(path: Path, text: str) -> None:
    atomic_write(path, text)
    path.chmod(0o755)
