"""Nothing waits while holding a write: the session knows when it holds uncommitted changes, and
a call to a partner node is refused then, before it is sent."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from roaming.catalogue.models import ChangeCounter
from roaming.db import UncommittedWrites, has_uncommitted_writes, session
from roaming.peers.operations import client

pytestmark = pytest.mark.each_database


def _peer_keys(_key_id):
    return None


def test_the_session_knows_what_it_has_not_committed(within):
    def run():
        assert not has_uncommitted_writes()
        session.add(ChangeCounter(name="pending", value=1))
        assert has_uncommitted_writes()  # not even flushed
        session.flush()
        assert has_uncommitted_writes()
        session.commit()
        assert not has_uncommitted_writes()
        session.execute(update(ChangeCounter).values(value=2))  # a statement of its own
        assert has_uncommitted_writes()
        session.rollback()
        assert not has_uncommitted_writes()
        session.get(ChangeCounter, "pending").value = 3
        assert has_uncommitted_writes()

    within(run)


def test_a_call_to_a_partner_holding_a_write_is_refused_before_it_is_sent(within):
    def run():
        session.add(ChangeCounter(name="held", value=1))
        session.flush()
        with pytest.raises(UncommittedWrites, match="A request to a partner node while the database session holds"):
            client().post("http://127.0.0.1:9/federation/ping", {}, _peer_keys)

    within(run)
