"""Forgetting a partner: refused, with nothing changed, while visits with it are on record."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.errors import Conflict
from roaming.peers.models import Peer, TrustSource
from roaming.peers.operations import remove_peer
from roaming.visits.models import VisitState
from tests.support.visits import home_visit_row
from tests.visits.conftest import MONDAY

pytestmark = pytest.mark.each_database


def _partner(with_visit: bool) -> str:
    peer = Peer(node_id=str(uuid.uuid4()), name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
    session.add(peer)
    if with_visit:
        session.add(home_visit_row(peer, MONDAY, state=VisitState.COMPLETED, version=5))
    session.commit()
    return peer.node_id


def _remove(node: str) -> None:
    remove_peer(session.scalar(select(Peer).where(Peer.node_id == node)))


def test_a_partner_with_visits_on_record_is_not_removed(within):
    node = within(_partner, True)
    with pytest.raises(Conflict, match="cannot be removed while visits or event registrations with it are on record"):
        within(_remove, node)
    assert within(lambda: session.scalar(select(Peer.name).where(Peer.node_id == node))) == "it@cork"


def test_a_partner_without_visits_is_removed(within):
    node = within(_partner, False)
    within(_remove, node)
    assert within(lambda: session.scalar(select(Peer).where(Peer.node_id == node))) is None
