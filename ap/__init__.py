"""ap — a git-native orchestrator for Analytic Programming."""

__version__ = "0.1.0"
