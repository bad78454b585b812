from __future__ import annotations

from pathlib import Path

import pytest

from ap.core.errors import ConfigError
from ap.setup.init import init_repository
from tests.helpers import Repo

PINNED = "git+https://github.com/octo/ap.git@" + "a" * 40


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

    result = init_repository(repo.root, github=True, requirement=PINNED)
    workflows = repo.root / ".github" / "workflows"
    assert ".github/workflows/ap-request.yml" in result.created
    shipped = Path(__file__).parent.parent / ".github" / "workflows" / "ap.yml"
    assert (workflows / "ap.yml").read_text() == shipped.read_text()
    calling = (workflows / "ap-request.yml").read_text()
    assert "uses: ./.github/workflows/ap.yml" in calling and '"ap/**"' in calling
    (workflows / "ap-request.yml").write_text(calling.replace('agent-command: ""', "x"))
    repo.commit("ap init --github")
    assert not init_repository(repo.root, github=True, requirement=PINNED).changed
    assert repo.status() == ""


def test_without_github_no_workflow_is_written(repo: Repo) -> None:
    init_repository(repo.root)
    assert not (repo.root / ".github").exists()


def test_the_workflows_install_ap_pinned_never_by_an_unpinned_name(repo: Repo) -> None:
    import yaml

    init_repository(repo.root, github=True, requirement=PINNED)
    workflows = repo.root / ".github" / "workflows"
    calling = yaml.safe_load((workflows / "ap-request.yml").read_text())
    assert calling["jobs"]["ap"]["with"]["ap-requirement"] == PINNED
    reusable = yaml.safe_load((workflows / "ap.yml").read_text())
    declared = reusable[True]["workflow_call"]["inputs"]["ap-requirement"]
    assert declared.get("required") is True and "default" not in declared


def test_the_requirement_is_this_ap_from_its_repository_at_its_commit(
    tmp_path: Path,
) -> None:
    from ap.setup.init import requirement_from
    from tests.helpers import make_repo

    sha = "b" * 40
    git_install = {
        "url": "https://github.com/octo/ap.git",
        "vcs_info": {"vcs": "git", "commit_id": sha},
    }
    assert requirement_from(git_install) == f"git+https://github.com/octo/ap.git@{sha}"
    clone = make_repo(tmp_path / "clone", {"x.py": "x = 1\n"})
    clone.git("remote", "add", "origin", "git@github.com:octo/ap.git")
    head = clone.git("rev-parse", "HEAD").strip()
    editable = {"url": clone.root.as_uri(), "dir_info": {"editable": True}}
    assert requirement_from(editable) == f"git+https://github.com/octo/ap.git@{head}"
    clone.git("remote", "remove", "origin")
    assert requirement_from(editable) is None  # a clone with no address on GitHub
    assert (
        requirement_from({"url": "https://files.example/ap-0.1.0.whl", "archive_info": {}}) is None
    )
    assert requirement_from(None) is None


def test_an_unknown_source_writes_no_requirement_and_says_so(repo: Repo) -> None:
    result = init_repository(repo.root, github=True, requirement="")
    calling = (repo.root / ".github" / "workflows" / "ap-request.yml").read_text()
    assert 'ap-requirement: ""' in calling and "analytic-programming" not in calling
    assert any("ap-requirement" in w for w in result.warnings)


def test_a_requirement_that_could_break_the_workflow_is_refused(repo: Repo) -> None:
    from ap.core.errors import UsageError

    before = repo.snapshot()
    with pytest.raises(UsageError):
        init_repository(repo.root, github=True, requirement='x"\n  agent-command: evil')
    assert repo.snapshot() == before
