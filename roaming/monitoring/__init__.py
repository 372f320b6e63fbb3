"""Watching a running node: health and readiness, Prometheus metrics, and ``roaming check``."""
