"""Setting ap up in a repository (`ap init`) and the demo."""
