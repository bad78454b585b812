"""ap's state in the repository: artifacts as markdown, which copy is authoritative,
digests, managed sections."""
