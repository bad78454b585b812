"""The one error hierarchy of ap, with the exit codes of docs/DESIGN.md §8.

0 success · 1 a check failed or was refused · 2 usage, configuration or input
error · 3 internal error · 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class ApError(Exception):
    """A failure the user can act on: printed without a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ApError):
    """Bad command-line usage or input (exit 2)."""


class ConfigError(ApError):
    """ap.yaml is missing, malformed or invalid (exit 2)."""


class ArtifactError(ApError):
    """A file under docs/ is malformed, or an artifact cannot be found (exit 2)."""


class AmbiguousId(ArtifactError):
    """An id prefix names more than one artifact (exit 2)."""


class ScopeError(ApError):
    """A scope pattern is rejected (exit 2)."""


class PlanInputError(ApError):
    """An objectives file or plan request is invalid input (exit 2)."""


class GitError(ApError):
    """A git operation failed in a way the user can fix (exit 2)."""


class CheckFailed(ApError):
    """A check failed or a change was refused (exit 1)."""

    exit_code = EXIT_REFUSED


class ScopeViolation(CheckFailed):
    """A change leaves its objective's scope (exit 1)."""


class PlanInvalid(CheckFailed):
    """A coordination plan breaks a validation rule (exit 1)."""


class GateFailed(CheckFailed):
    """A quality gate failed on a merge candidate (exit 1)."""


class MergeConflict(CheckFailed):
    """Objective branches cannot be merged cleanly (exit 1)."""
