"""Background work of a node: the worker loop and the claims that keep its jobs from running twice."""

from roaming.worker.loop import Worker

__all__ = ["Worker"]
