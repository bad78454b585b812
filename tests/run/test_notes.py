"""Loose session notes in the main work tree's root are filed with the accomplishment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ap.run.faults import EXIT_CODE
from tests.run.conftest import Flow, run_ap
from tests.run.test_integrity import _forge, _steps, _verify_from_scratch

NOTES = {"NOTES.md": "# what I tried\n\n- <!-- x -->\n", "session-notes.md": "day 2\n"}
LEFT_ALONE = {
    "CHANGELOG.md": "changes\n",  # the project's own document, untracked
    "private.md": "ignored\n",  # ignored by .gitignore
    "sub/deep.md": "not in the root\n",
    "notes.txt": "not markdown\n",
}


def _all_waves_merged(flow: Flow) -> None:
    flow.submit("T1", {"src/auth/jwt.py": "tokens\n"})
    flow.submit("T2", {"src/api/routes.py": "routes\n"})
    flow.ok("merge-wave")
    flow.ok("start")
    flow.submit("T3", {"tests/test_x.py": "def test(): pass\n"})
    flow.ok("merge-wave")
    flow.drop_worktrees()


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode())


def test_loose_notes_are_filed_then_removed_and_nothing_else_is_taken(flow: Flow) -> None:
    _all_waves_merged(flow)
    flow.repo.write("TODO.md", "tracked\n")
    flow.repo.write(".gitignore", "private.md\n")
    flow.repo.commit("chore: a tracked note", "TODO.md", ".gitignore")
    _write(flow.root, {**NOTES, **LEFT_ALONE})
    os.symlink("NOTES.md", flow.root / "link.md")
    said = flow.ok("accomplish")
    assert "filed 2 loose note(s)" in said, said
    folder = f"docs/sessions/{flow.plan_id}/notes"
    tree = flow.tree(flow.integration)
    assert sorted(p for p in tree if p.startswith(folder)) == [
        f"{folder}/NOTES.md",
        f"{folder}/session-notes.md",
    ]
    for name, text in NOTES.items():
        assert flow.show(flow.integration, f"{folder}/{name}") == text
        assert not (flow.root / name).exists()  # the commit holds it: the root copy went
    for name, text in {**LEFT_ALONE, "TODO.md": "tracked\n"}.items():
        assert (flow.root / name).read_text() == text
    assert (flow.root / "link.md").is_symlink()
    report = flow.show(flow.integration, f"docs/accomplishments/ACCOMPLISHMENT_{flow.plan_id}.md")
    assert f"## Session notes filed\n\n- {folder}/NOTES.md" in report
    _verify_from_scratch(flow)  # the accomplishment with its notes is still ap's


def test_a_note_is_filed_byte_for_byte(flow: Flow) -> None:
    from ap.git import Git

    _all_waves_merged(flow)
    data = b"# crlf\r\nand \xe2\x80\xae bidi, \xff not utf-8\r\n"
    (flow.root / "NOTES.md").write_bytes(data)
    flow.ok("accomplish")
    path = f"{flow.integration}:docs/sessions/{flow.plan_id}/notes/NOTES.md"
    obj = Git(flow.root).read_objects([path])[0]
    assert obj is not None and obj[2] == data


def test_after_a_crash_the_rerun_removes_filed_notes_but_keeps_a_changed_one(flow: Flow) -> None:
    _all_waves_merged(flow)
    _write(flow.root, {"NOTES.md": "one\n", "other.md": "two\n"})
    killed = run_ap(flow.root, "accomplish", env={"AP_FAULT": "accomplish.ref_moved"})
    assert killed.returncode == EXIT_CODE, killed.stderr
    assert (flow.root / "NOTES.md").exists() and (flow.root / "other.md").exists()
    (flow.root / "other.md").write_text("two, and more since\n")  # a person kept writing
    again = run_ap(flow.root, "accomplish")
    assert again.returncode == 0 and "already accomplished" in again.stderr, again.stderr
    assert not (flow.root / "NOTES.md").exists()
    assert (flow.root / "other.md").read_text() == "two, and more since\n"


@pytest.mark.parametrize(
    "path",
    [
        "notes/evil.py",
        "notes/sub/x.md",
        "notes/.hidden.md",
        "notes/README.md",
        "T1.md",
        "../other-plan/notes/x.md",
    ],
)
def test_a_forged_accomplishment_filing_anything_else_is_refused(flow: Flow, path: str) -> None:
    rel = os.path.normpath(f"docs/sessions/{flow.plan_id}/{path}")
    forged = _forge(flow, _steps(flow, "accomplish"), {rel: "x\n"})
    code, _, err = flow.ap("merge-wave")
    assert code == 1, err
    assert forged[:12] in err and "which a accomplish step never changes" in " ".join(err.split())


def test_a_note_filed_again_takes_a_free_name(tmp_path: Path) -> None:
    from ap.git import Git
    from ap.run.notes import Note, filed_earlier, place_notes
    from tests.helpers import make_repo

    repo = make_repo(tmp_path / "r", {"n/NOTES.md": "first\n", "n/NOTES-2.md": "second\n"})
    tip = repo.git("rev-parse", "HEAD").strip()
    notes = [Note("NOTES.md", tmp_path / "NOTES.md", b"third\n"), Note("a.md", tmp_path, b"")]
    placed = place_notes(Git(repo.root), tip, "n", notes)
    assert list(placed) == ["n/NOTES-3.md", "n/a.md"]
    assert filed_earlier(["n/NOTES-3.md"], "n", notes) == {"n/NOTES-3.md": notes[0]}
