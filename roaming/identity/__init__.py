"""Who this node is to the federation: its id, metadata and published signing keys."""
