"""Job claims: each named job runs in one worker at a time and only when it is due, however many
worker processes share the database.

On PostgreSQL a claim is the job's ``job_claim`` row locked with ``SELECT ... FOR UPDATE SKIP
LOCKED`` on a connection of its own, held while the job runs and released with the job's next due
time. Another worker skips a locked row instead of waiting, and a worker that dies releases its
locks with its connection, so no job runs twice and none is stranded. The job works in the app's
session, another connection that never touches ``job_claim``, so the two cannot deadlock.

SQLite has no row locks and one writer at a time: there the node runs a single worker, which an
exclusive lock on ``worker.lock`` in the instance folder makes sure of, and claims only keep the
due times and failure counts.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from roaming.backoff import doubling_delay
from roaming.db import insert_if_absent, utcnow
from roaming.worker.models import JobClaim

RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 3600.0
LOCK_FILE = "worker.lock"

claims = JobClaim.__table__


class WorkerAlreadyRunning(RuntimeError):
    pass


def retry_delay(failures: int) -> float:
    """Seconds before a job that failed ``failures`` times in a row runs again: doubling from
    5 s, at most an hour, with jitter so that workers do not retry in step."""
    return doubling_delay(RETRY_BASE_SECONDS, failures, RETRY_MAX_SECONDS)


class Claims:
    def __init__(self, engine: Engine, instance_path: Path):
        self.engine = engine
        self.row_locks = engine.dialect.name == "postgresql"
        self._lock_file = None if self.row_locks else _single_worker_lock(instance_path)

    def run(self, name: str, job: Callable[[], object], interval: float) -> bool:
        """Run ``job`` if ``name`` is due and no other worker runs it; True if it ran.

        After a success the job is due again ``interval`` seconds later; after an exception
        (re-raised for the caller to report) after ``retry_delay`` of its consecutive failures.
        """
        with self.engine.connect() as connection:
            failures = self._claim(connection, name)
            if failures is None:
                connection.rollback()
                return False
            started = utcnow()
            try:
                job()
            except Exception as error:
                failures += 1
                retry_at = started + timedelta(seconds=retry_delay(failures))
                self._release(connection, name, retry_at, failures, f"{type(error).__name__}: {error}")
                raise
            if interval or failures:
                self._release(connection, name, utcnow() + timedelta(seconds=interval), 0, None)
            else:
                connection.rollback()  # due again at once, no failures to clear: only the lock to let go
            return True

    def _claim(self, connection: Connection, name: str) -> int | None:
        """Lock the job's row (creating it on first use); its failure count if it is due, else None."""
        query = select(claims.c.next_run_at, claims.c.failures).where(claims.c.name == name)
        if self.row_locks:
            query = query.with_for_update(skip_locked=True)
        row = connection.execute(query).first()
        if row is None:
            insert_if_absent(JobClaim, executor=connection, name=name, next_run_at=utcnow(), failures=0)
            connection.commit()
            row = connection.execute(query).first()
        if row is None or row.next_run_at > utcnow():
            return None
        return row.failures

    def _release(self, connection: Connection, name: str, next_run_at, failures: int, error: str | None) -> None:
        values = {"next_run_at": next_run_at, "failures": failures, "last_error": error and error[:1000]}
        connection.execute(update(claims).where(claims.c.name == name).values(**values))
        connection.commit()

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _single_worker_lock(instance_path: Path):
    """Hold ``worker.lock`` exclusively for the life of this process's worker."""
    handle = (instance_path / LOCK_FILE).open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WorkerAlreadyRunning(
            "Another worker is running for this node, and on SQLite a node runs one worker "
            "(the one inside 'roaming run', or one 'roaming worker'). Several workers need PostgreSQL."
        ) from None
    return handle
