"""A planned, started repository for the MCP server to answer about."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run.conftest import Flow, planned_flow


@pytest.fixture
def flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Flow:
    return planned_flow(tmp_path / "repo", capsys)
