"""``ap mcp``: an objective's worker talks to ap over the Model Context Protocol."""
