"""``ap init``: ap.yaml, the state folders and the AGENTS.md boot section.

Idempotent: a second run changes nothing and says so; text outside the
AGENTS.md markers is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ap.config import CONFIG_FILE, load_config
from ap.fsutil import atomic_write
from ap.render import render
from ap.sections import update_section

AGENTS_FILE = "AGENTS.md"
BOOT_SECTION = "boot"
KEEP_FILE = ".gitkeep"


@dataclass
class InitResult:
    """What ``ap init`` created or changed, as paths relative to the repository root."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


WORKFLOWS = ".github/workflows"
# What ``--github`` writes: ap's reusable workflow and the small workflow calling it.
GITHUB_FILES = {
    f"{WORKFLOWS}/ap.yml": "github/ap.yml.j2",
    f"{WORKFLOWS}/ap-request.yml": "github/ap-request.yml.j2",
}


def init_repository(root: Path, *, github: bool = False) -> InitResult:
    """Set up ap in the repository at ``root`` (and its GitHub workflows with ``github``)."""
    result = InitResult()
    config = load_config(root)  # refuse to go on over a malformed ap.yaml
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
        _write_workflows(root, config.branch_prefix, result)
    return result


def _write_workflows(root: Path, branch_prefix: str, result: InitResult) -> None:
    """The workflows, once: an existing file is the owner's (they set the agent there)."""
    from ap import __version__

    for rel, template in GITHUB_FILES.items():
        path = root / rel
        if not path.exists():
            atomic_write(path, render(template, branch_prefix=branch_prefix, version=__version__))
            result.created.append(rel)


def _write_boot_section(root: Path, result: InitResult) -> None:
    path = root / AGENTS_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    after = update_section(before, BOOT_SECTION, render("agents_boot.md.j2"), where=AGENTS_FILE)
    if not before:
        after = "# Agents\n\n" + after
    if after != before:
        atomic_write(path, after)
        (result.updated if before else result.created).append(AGENTS_FILE)
