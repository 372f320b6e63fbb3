"""The replay cache: a signature nonce is accepted once per key, in every process of the node.

The unique constraint on (key_id, nonce) makes the check atomic across processes and machines
sharing the database. The check runs first thing in a request, when the request's session has only
read (the sender's key), and commits at once: the nonce stays consumed even when the request fails
later, and a request needs one database connection, not two (a second one per request would
exhaust the pool under load).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from roaming.db import session, utcnow
from roaming.peers.models import SeenNonce

PURGE_EVERY = 200  # inserts between deletions of expired nonces


class DatabaseNonceStore:
    def __init__(self):
        self._inserts = 0

    def remember(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        """Commits at once, first thing in the request: a replay through another process is refused."""
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("The nonce check must come before any change in the request's session.")
        try:
            session.execute(insert(SeenNonce).values(key_id=key_id, nonce=nonce, expires_at=expires_at))
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
        self._inserts += 1
        if self._inserts % PURGE_EVERY == 0:
            self.purge()
        return True

    def purge(self) -> int:
        """Commits (a worker's or the cache's own clean-up)."""
        removed = session.execute(delete(SeenNonce).where(SeenNonce.expires_at < utcnow())).rowcount
        session.commit()
        return removed
