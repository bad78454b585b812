"""Learning from real ap runs: plans planned, run, accomplished and merged by ap itself."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_repo


def test_the_managed_sections_are_not_the_files_words(tmp_path: Path) -> None:
    from ap.analyze.index import build_index
    from ap.git import Git

    text = (
        "# shop\n<!-- ap:accomplishments -->\n- vouchers done\n<!-- /ap:accomplishments -->\nend\n"
    )
    repo = make_repo(tmp_path / "r", {"README.md": text, "NOTES.md": "- vouchers done\n"})
    files = build_index(Git(repo.root)).files
    assert "voucher" in files["NOTES.md"].terms
    assert "voucher" not in files["README.md"].terms and "end" in files["README.md"].terms
