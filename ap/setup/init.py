"""``ap init``: ap.yaml, the state folders and the AGENTS.md boot section.

Idempotent: a second run changes nothing and says so; text outside the
AGENTS.md markers is never touched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ap.core.config import load_config
from ap.core.defaults import CONFIG_FILE
from ap.core.errors import UsageError
from ap.core.fsutil import atomic_write
from ap.core.render import render
from ap.state.sections import update_section

DISTRIBUTION = "analytic-programming"
AGENTS_FILE = "AGENTS.md"
BOOT_SECTION = "boot"
KEEP_FILE = ".gitkeep"


@dataclass
class InitResult:
    """What ``ap init`` created or changed, as paths relative to the repository root."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


WORKFLOWS = ".github/workflows"
# What ``--github`` writes: ap's reusable workflow and the small workflow calling it.
GITHUB_FILES = {
    f"{WORKFLOWS}/ap.yml": "github/ap.yml.j2",
    f"{WORKFLOWS}/ap-request.yml": "github/ap-request.yml.j2",
}


def init_repository(
    root: Path, *, github: bool = False, requirement: str | None = None
) -> InitResult:
    """Set up ap in the repository at ``root`` (and its GitHub workflows with ``github``,
    installing ap from ``requirement``: by default this ap's own source, pinned)."""
    result = InitResult()
    config = load_config(root)  # refuse to go on over a malformed ap.yaml
    if github:  # checked before anything is written
        if requirement is None:
            requirement = installed_requirement() or ""
        _check_requirement(requirement, result)
    config_path = root / CONFIG_FILE
    if not config_path.exists():
        atomic_write(config_path, render("ap.yaml.j2"))
        result.created.append(CONFIG_FILE)
    for folder in config.state_folders():
        keep = root / folder / KEEP_FILE
        if not keep.exists():
            atomic_write(keep, "")
            result.created.append(f"{folder}/{KEEP_FILE}")
    _write_boot_section(root, result)
    if github:
        _write_workflows(root, config.branch_prefix, requirement or "", result)
    return result


def _write_workflows(root: Path, branch_prefix: str, requirement: str, result: InitResult) -> None:
    """The workflows, once: an existing file is the owner's (they set the agent there)."""
    for rel, template in GITHUB_FILES.items():
        path = root / rel
        if not path.exists():
            text = render(template, branch_prefix=branch_prefix, requirement=requirement)
            atomic_write(path, text)
            result.created.append(rel)


def _check_requirement(requirement: str, result: InitResult) -> None:
    if not re.fullmatch(r"[A-Za-z0-9@:/._+=#~%!-]*", requirement):
        raise UsageError(
            f"{requirement!r} is not a pip requirement ap writes into a workflow",
            hint="give git+https://github.com/OWNER/REPO.git@COMMIT",
        )
    if not requirement:
        result.warnings.append(
            "the workflows do not know where to install ap from (this ap was not installed"
            " from a git repository on GitHub): set `ap-requirement:` in"
            f" {WORKFLOWS}/ap-request.yml to git+https://github.com/OWNER/REPO.git@COMMIT"
        )


def installed_requirement() -> str | None:
    """What pip installs to get this very ap: its git repository at the installed commit."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution(DISTRIBUTION).read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    return requirement_from(data if isinstance(data, dict) else None)


def requirement_from(direct_url: Mapping[str, Any] | None) -> str | None:
    """``git+https://HOST/OWNER/REPO@COMMIT`` from pip's record of where ap came from
    (PEP 610 ``direct_url.json``): a git install, or a local clone whose ``origin`` is
    on GitHub. None when the source has no such address (a wheel, a clone without it)."""
    if not direct_url:
        return None
    url = direct_url.get("url")
    vcs = direct_url.get("vcs_info")
    if not isinstance(url, str):
        return None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git":
        return _pinned(url, vcs.get("commit_id"))
    if url.startswith("file://"):
        return _from_clone(Path(unquote(urlsplit(url).path)))
    return None


def _from_clone(path: Path) -> str | None:
    from ap.core.errors import GitError
    from ap.git import Git

    try:
        git = Git(path)
        return _pinned(git.config("remote.origin.url") or "", git.head())
    except GitError:
        return None


def _pinned(url: str, commit: object) -> str | None:
    ssh = re.fullmatch(r"git@([A-Za-z0-9.-]+):([\w.-]+/[\w.-]+?)(?:\.git)?", url)
    if ssh:
        url = f"https://{ssh.group(1)}/{ssh.group(2)}"
    url = url.removeprefix("git+").removesuffix(".git")
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+/[\w.-]+/[\w.-]+", url):
        return None
    if not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", commit):
        return None
    return f"git+{url}.git@{commit}"


def _write_boot_section(root: Path, result: InitResult) -> None:
    path = root / AGENTS_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    after = update_section(before, BOOT_SECTION, render("agents_boot.md.j2"), where=AGENTS_FILE)
    if not before:
        after = "# Agents\n\n" + after
    if after != before:
        atomic_write(path, after)
        (result.updated if before else result.created).append(AGENTS_FILE)
