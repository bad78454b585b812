"""What ap checks and records: the plan's scope validation, then at each wave's merge
its contracts, gates and the scope violations caught."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ap.core.models.base import Model, utcnow


class Conflict(Model):
    """Two objectives whose scope_touch overlap, with a path both may edit."""

    a: str
    b: str
    witness: str


class Violation(Model):
    """A broken validation rule, naming the objectives and a witness path."""

    rule: str
    message: str
    objectives: list[str] = Field(default_factory=list)
    witness: str | None = None


class ScopeValidation(Model):
    valid: bool = True
    conflicts: list[Conflict] = Field(default_factory=list)
    violations: list[Violation] = Field(default_factory=list)
    lower_bound: int = 0
    optimal: bool = True


class ContractCheck(Model):
    """A contract checked on a wave's merge: found, or broken and why."""

    provider: str
    consumer: str = ""
    symbol: str
    passed: bool
    reason: str = ""


class GateResult(Model):
    name: str
    command: str
    passed: bool
    exit_code: int | None = None
    duration: float = 0.0
    output_tail: str = ""
    wave: int | None = None


class ScopeViolationRecord(Model):
    """A path an objective's branch changed outside its scope, caught by ap."""

    task: str
    path: str
    reason: str


class WaveRecord(Model):
    """How a wave ended: merged objectives, failed ones, and the gates run on the result."""

    wave: int
    merged: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    merged_at: datetime = Field(default_factory=utcnow)
    gate_results: list[GateResult] = Field(default_factory=list)
    contracts: list[ContractCheck] = Field(default_factory=list)
