"""Coordination planning: conflict graph, optimal waves, validation, worker prompts."""
