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
