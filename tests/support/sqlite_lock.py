"""Whether another writer could use a SQLite database right now: what a node's job must never
stand in the way of while it waits for a partner."""

from __future__ import annotations

import sqlite3


def write_lock_free(database: str, wait: float = 0.05) -> bool | str:
    """True when another connection takes the database's write lock within ``wait`` seconds, else
    SQLite's error ("database is locked")."""
    connection = sqlite3.connect(database, timeout=wait, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        connection.close()
