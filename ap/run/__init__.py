"""Execution on git: objective branches, scope enforcement, wave merges, accomplishment."""
