"""The scope algebra: patterns, covering, exact overlap with witnesses, change-set checks."""

from ap.scope.changes import Change, ChangeViolation, check_changes
from ap.scope.matcher import ScopeMatcher, covers
from ap.scope.overlap import find_conflicts, overlap, reaches, scopes_overlap
from ap.scope.pattern import Pattern, parse_pattern, parse_scope

__all__ = [
    "Change",
    "ChangeViolation",
    "Pattern",
    "ScopeMatcher",
    "check_changes",
    "covers",
    "find_conflicts",
    "overlap",
    "parse_pattern",
    "parse_scope",
    "reaches",
    "scopes_overlap",
]
