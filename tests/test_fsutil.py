"""A file written for a step that may fail is put back as it was when the step fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from ap.core.fsutil import written_or_undone


def test_a_failed_step_puts_the_file_back_or_removes_it(tmp_path: Path) -> None:
    there, new = tmp_path / "report.md", tmp_path / "sub" / "new.md"
    there.write_bytes(b"before\r\n")
    for path in (there, new):
        with pytest.raises(RuntimeError), written_or_undone(path, "during\n"):
            assert path.read_text() == "during\n"
            raise RuntimeError("the step failed")
    assert there.read_bytes() == b"before\r\n" and not new.exists()
    with written_or_undone(there, "kept\n"):
        pass
    assert there.read_text() == "kept\n"
