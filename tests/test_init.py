from __future__ import annotations

import pytest

from ap.errors import ConfigError
from ap.init import init_repository
from tests.helpers import Repo


def test_init_creates_config_folders_and_boot_section(repo: Repo) -> None:
    result = init_repository(repo.root)
    assert "ap.yaml" in result.created and "AGENTS.md" in result.created
    for folder in ("analyses", "plans", "accomplishments", "sessions"):
        assert (repo.root / "docs" / folder).is_dir()
    agents = (repo.root / "AGENTS.md").read_text()
    assert "<!-- ap:boot -->" in agents and "<!-- /ap:boot -->" in agents
    assert "SCOPE_TOUCH" in agents


def test_second_run_changes_nothing(repo: Repo) -> None:
    init_repository(repo.root)
    repo.commit("ap init")
    result = init_repository(repo.root)
    assert not result.changed
    assert repo.status() == ""


def test_text_outside_markers_is_never_touched(repo: Repo) -> None:
    repo.write("AGENTS.md", "# Our agents\n\nBe kind.\n")
    init_repository(repo.root)
    text = (repo.root / "AGENTS.md").read_text()
    assert text.startswith("# Our agents\n\nBe kind.\n")
    edited = text.replace("Be kind.", "Be very kind.") + "\nTrailing words.\n"
    (repo.root / "AGENTS.md").write_text(edited)
    (repo.root / "AGENTS.md").write_text(
        edited.replace("Edit only paths", "Edit ONLY paths")
    )  # someone edited inside the section: init restores it
    result = init_repository(repo.root)
    assert result.updated == ["AGENTS.md"]
    assert (repo.root / "AGENTS.md").read_text() == edited


def test_malformed_ap_yaml_leaves_everything_as_it_was(repo: Repo) -> None:
    repo.write("ap.yaml", "team: [\n")
    repo.commit("broken config")
    before = repo.snapshot()
    with pytest.raises(ConfigError):
        init_repository(repo.root)
    assert repo.snapshot() == before
    assert repo.status() == ""


def test_github_writes_the_workflows_once(repo: Repo) -> None:
    from pathlib import Path

    result = init_repository(repo.root, github=True)
    workflows = repo.root / ".github" / "workflows"
    assert ".github/workflows/ap-request.yml" in result.created
    shipped = Path(__file__).parent.parent / ".github" / "workflows" / "ap.yml"
    assert (workflows / "ap.yml").read_text() == shipped.read_text()
    calling = (workflows / "ap-request.yml").read_text()
    assert "uses: ./.github/workflows/ap.yml" in calling and '"ap/**"' in calling
    (workflows / "ap-request.yml").write_text(calling.replace('agent-command: ""', "x"))
    repo.commit("ap init --github")
    assert not init_repository(repo.root, github=True).changed
    assert repo.status() == ""


def test_without_github_no_workflow_is_written(repo: Repo) -> None:
    init_repository(repo.root)
    assert not (repo.root / ".github").exists()
