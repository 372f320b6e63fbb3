"""The replay cache: a signature nonce is accepted once per key, in every process of the node.

Each accepted nonce is inserted in its own short transaction (so it stays consumed even when the
request it came with fails later); the unique constraint on (key_id, nonce) makes the check
atomic across processes and machines sharing the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from roaming.db import utcnow
from roaming.peers.models import SeenNonce

PURGE_EVERY = 200  # inserts between deletions of expired nonces


class DatabaseNonceStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._inserts = 0

    def remember(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(SeenNonce).values(key_id=key_id, nonce=nonce, expires_at=expires_at))
        except IntegrityError:
            return False
        self._inserts += 1
        if self._inserts % PURGE_EVERY == 0:
            self.purge()
        return True

    def purge(self) -> int:
        with self.engine.begin() as connection:
            return connection.execute(delete(SeenNonce).where(SeenNonce.expires_at < utcnow())).rowcount
