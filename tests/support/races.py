"""Running calls at the same moment, to find what two requests at once do to each other."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor


def at_once(*calls):
    """The results of ``calls``, in their order, each run in a thread of its own and all
    released together (a barrier); an exception in one is raised here."""
    together = threading.Barrier(len(calls))

    def run(call):
        together.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
