"""Deterministic races: run another actor's whole change at an exact point of this one's.

``interleaved(app, before=..., then=...)`` runs ``then`` once, in an app context of its own (its
own session and connection, committed as a request would), just before this side's first SQL
statement that starts with ``before``. The interleaving is the one that makes read-check-write
code lose a change: this side has read and checked, the other commits, this side writes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import event

from roaming.db import engine_for


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

    event.listen(engine, "before_cursor_execute", cut_in)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", cut_in)
    assert fired, f"no statement began with {before!r}: the race was not run"
