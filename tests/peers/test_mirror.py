"""Pulling a partner's catalogue whose items hold what no node of ours would write: each odd value
counts as missing or is cut to its column, and a change that still cannot be kept is skipped, so
the changes after it arrive and the cursor moves on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.peers import mirror
from roaming.peers.models import MirroredItem, Peer, PeerKey, TrustSource
from roaming.peers.operations import pull_catalogue
from tests.support.http_peer import ScriptedPeer

pytestmark = pytest.mark.each_database

ODD_ITEMS = [
    ("location", {"id": 1, "name": "Hub", "country": "IRL", "city": ["Cork"], "timezone": "Europe/Dublin"}),
    ("event", {"title": "At the edge", "starts_at": "9999-12-31T23:00:00-05:00", "ends_at": "not a time"}),
    ("event", {"title": "No offset", "starts_at": "2027-02-03T08:00:00", "languages": [1, "de", None]}),
    ("service", {"name": "Printing", "kind": "x" * 500, "languages": "en de"}),
    ("cluster", {"name": 42, "sectors": "ai", "country": "D"}),
    ("desk", None),  # neither deleted nor anything
    ("desk", {"name": "Harbour desk", "seats": 2, "location_id": 1}),
]


def _feed(items) -> dict:
    changes = [
        {"seq": seq, "kind": kind, "uid": f"item-{seq}", "deleted": False, "item": item}
        for seq, (kind, item) in enumerate(items, start=1)
    ]
    return {"changes": changes, "cursor": len(changes), "more": False}


@pytest.fixture
def partner(app):
    with ScriptedPeer() as scripted:
        scripted.status = 200
        with app.app_context():
            peer = Peer(
                node_id="odd", name="Odd cluster", country="IE", base_url=scripted.url, trust=TrustSource.PINNED
            )
            peer.keys.append(PeerKey(key_id=scripted.key_id, jwk=scripted.public_jwk()))
            session.add(peer)
            session.commit()
            yield scripted, peer.id


def _pull(within, peer_id) -> int:
    return within(lambda: pull_catalogue(session.get(Peer, peer_id)))


def _mirrored(within) -> dict:
    return {row.uid: row for row in within(lambda: session.scalars(select(MirroredItem)).all())}


def test_odd_values_count_as_missing_and_the_sync_goes_on(within, partner):
    scripted, peer_id = partner
    scripted.body = _feed(ODD_ITEMS)
    assert _pull(within, peer_id) == len(ODD_ITEMS)
    rows = _mirrored(within)
    assert "item-6" not in rows and rows["item-7"].city is None and rows["item-7"].country == "IE"
    assert (rows["item-1"].country, rows["item-1"].city) == ("IE", None)
    assert rows["item-2"].starts_at is None and rows["item-3"].starts_at is None
    assert rows["item-3"].languages == " de " and len(rows["item-4"].service_kind) == 50
    assert within(lambda: session.get(Peer, peer_id).sync_cursor) == len(ODD_ITEMS)


def test_a_change_that_cannot_be_kept_is_skipped(within, partner, monkeypatch):
    scripted, peer_id = partner
    scripted.body = _feed(ODD_ITEMS[-1:] * 3)
    apply = mirror.apply_change

    def refuse_the_second(peer, change):
        if change["seq"] == 2:
            raise ValueError("a value its column cannot hold")
        apply(peer, change)

    monkeypatch.setattr(mirror, "apply_change", refuse_the_second)
    _pull(within, peer_id)
    assert set(_mirrored(within)) == {"item-1", "item-3"}
    peer = within(lambda: session.get(Peer, peer_id))
    assert peer.sync_cursor == 3 and peer.last_sync_error is None
