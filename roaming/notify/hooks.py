"""How notifications plug into the node (the built-in part ``notify``, ``roaming.plugins``): the
worker's job that sends what is queued through the transports (``roaming_notify``)."""

from __future__ import annotations

from roaming.hookspecs import hookimpl
from roaming.notify import operations
from roaming.worker.jobs import CoreJob


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    return [CoreJob("notify", 0, operations.send_due)]
