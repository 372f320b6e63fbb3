"""The jobs of the core's parts: ``Job`` (the plugins' kind, ``roaming.hookspecs``) with two
more ways to run, which the plugin API does not offer (yet)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from roaming.hookspecs import Job


@dataclass(frozen=True)
class CoreJob(Job):
    """``once_per_start``: run at each pass until it succeeds once, then not again until the
    worker restarts (``interval_seconds`` is not used). ``each``: one task per item; ``each()``
    lists the items due (read in an app context at every pass) and ``run(item)`` handles one,
    each under a claim of its own named ``<name>:<item>``, so that one item's failures delay only
    that item."""

    run: Callable[..., object]  # run() or, with ``each``, run(item)
    once_per_start: bool = False
    each: Callable[[], Iterable] | None = None
