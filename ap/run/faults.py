"""Crash points for testing that every step of a wave merge or accomplishment converges.

``AP_FAULT=<step>`` in the environment makes the process die at that step, as a
``kill -9`` would: no cleanup runs. Tests then run the command again and compare
with an uninterrupted run. Unset (always, outside tests), a checkpoint costs a
dictionary lookup.
"""

from __future__ import annotations

import os

EXIT_CODE = 97

# Every checkpoint, in the order a run reaches them.
MERGE_STEPS = (
    "merge.checked",
    "merge.folded",
    "merge.gates_started",
    "gates.worktree_added",
    "merge.gated",
    "ledger.before_ref",
    "merge.ref_moved",
)
ACCOMPLISH_STEPS = ("accomplish.built", "ledger.before_ref", "accomplish.ref_moved")


def checkpoint(step: str) -> None:
    """Die here if the environment asks for it."""
    if os.environ.get("AP_FAULT") == step:
        os._exit(EXIT_CODE)
