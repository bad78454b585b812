"""``ap hook install | uninstall``: the pre-commit hook that runs the scope check.

The hook lives in the repository's common hooks folder, so it runs in every
worktree. An existing pre-commit hook is chained (run first) and restored on
uninstall. With ``core.hooksPath`` the hook goes there, unless that folder is
inside the work tree (a hook manager's tracked folder): then ap refuses and says
how to call the check from that manager instead.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from ap.errors import ConfigError
from ap.fsutil import atomic_write
from ap.git import Git

MARK = "# ap-scope-hook"
HOOK = "pre-commit"
CHAINED = "pre-commit.ap-chained"


def hook_script(python: str) -> str:
    """The hook: the chained hook first, then the check, with ap's own interpreter."""
    py = shlex.quote(python)
    # `-c` with the first sys.path entry dropped: the repository's own folders must not
    # shadow ap's modules or its dependencies.
    code = shlex.quote(
        "import sys; del sys.path[0]; from ap.run.hookcheck import main; sys.exit(main())"
    )
    return f"""#!/bin/sh
{MARK}: installed by `ap hook install`; `ap hook uninstall` removes it
# (and puts back the hook it chained, {CHAINED}).
hooks_dir=$(dirname "$0")
if [ -x "$hooks_dir/{CHAINED}" ]; then
    "$hooks_dir/{CHAINED}" "$@" || exit $?
fi
if [ -x {py} ]; then
    exec {py} -c {code}
fi
exec ap check-scope --staged
"""


@dataclass(frozen=True)
class HookResult:
    path: Path
    action: str  # installed, updated, unchanged, removed, absent
    chained: bool = False

    def describe(self) -> str:
        chained = f" (chains the existing hook, kept as {CHAINED})" if self.chained else ""
        return {
            "installed": f"installed the scope hook at {self.path}{chained}",
            "updated": f"updated the scope hook at {self.path}{chained}",
            "unchanged": f"the scope hook is already installed at {self.path}; nothing changed",
            "removed": f"removed the scope hook from {self.path}"
            + (" and restored the hook it chained" if self.chained else ""),
            "absent": f"no ap scope hook at {self.path}; nothing changed",
        }[self.action]


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
    try:
        return MARK in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install(git: Git, *, python: str | None = None) -> HookResult:
    folder = hooks_dir(git)
    hook, chained = folder / HOOK, folder / CHAINED
    script = hook_script(python or sys.executable)
    if hook.exists() or hook.is_symlink():
        if _is_ours(hook):
            if hook.read_text(encoding="utf-8") == script:
                return HookResult(hook, "unchanged", chained.exists())
            _write(hook, script)
            return HookResult(hook, "updated", chained.exists())
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
