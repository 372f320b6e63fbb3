"""Races on purpose: calls run at the same moment, and another actor's change run at an exact
point of this one's.

``at_once(*calls)`` runs each call in a thread of its own, released together, to find what two
requests at once do to each other. ``interleaved(app, before=..., then=...)`` runs ``then`` once,
in an app context of its own (its own session and connection, committed as a request would), just
before this side's first SQL statement that starts with ``before``: the interleaving that makes
read-check-write code lose a change (this side has read and checked, the other commits, this side
writes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import event

from roaming.db import engine_for, session


def at_once(*calls):
    """The results of ``calls``, in their order, each run in a thread of its own and all
    released together (a barrier); an exception in one is raised here."""
    together = threading.Barrier(len(calls))

    def run(call):
        together.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@contextmanager
def interleaved(app, *, before: str, then: Callable[[], object]):
    engine = engine_for(app)
    fired = []

    def cut_in(_connection, _cursor, statement, _parameters, _context, _executemany):
        if fired or not statement.lstrip().upper().startswith(before.upper()):
            return
        fired.append(statement)
        with app.app_context():
            then()
            session.commit()  # as the request it stands for would

    event.listen(engine, "before_cursor_execute", cut_in)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", cut_in)
    assert fired, f"no statement began with {before!r}: the race was not run"
