"""Searching mirrored partner catalogues, filled the way a sync fills them."""

from __future__ import annotations

import itertools

import pytest

from roaming.accounts.models import Role
from roaming.db import session
from roaming.peers import mirror
from roaming.peers.models import Peer, PeerStatus, TrustSource

SEQ = itertools.count(1)


def _peer(name, country, status=PeerStatus.ACTIVE):
    peer = Peer(
        node_id=f"node-{name}",
        name=name,
        country=country,
        base_url=f"http://{name}.example",
        trust=TrustSource.REGISTRY,
        status=status,
    )
    session.add(peer)
    session.flush()
    return peer


def _feed(peer, kind, uid, item):
    mirror.apply_change(peer, {"seq": next(SEQ), "kind": kind, "uid": uid, "deleted": False, "item": item})


@pytest.fixture
def federation(app):
    with app.app_context():
        cork = _peer("itcork", "IE")
        _feed(
            cork,
            "cluster",
            "c1",
            {
                "name": "it@cork",
                "country": "IE",
                "city": "Cork",
                "languages": ["en"],
                "sectors": ["Digital industries"],
            },
        )
        _feed(cork, "location", "l1", {"id": 1, "name": "Hub", "city": "Cork", "country": "IE"})
        _feed(cork, "desk", "d1", {"id": 1, "name": "Visitor desk", "seats": 2, "location_id": 1})
        _feed(
            cork,
            "service",
            "s1",
            {"id": 1, "kind": "matchmaking", "name": "Meet Cork tech companies", "languages": ["en"], "location_id": 1},
        )
        _feed(
            cork,
            "event",
            "e1",
            {
                "id": 1,
                "title": "Cloud breakfast",
                "starts_at": "2027-02-03T07:45:00+00:00",
                "ends_at": "2027-02-03T09:30:00+00:00",
                "languages": ["en"],
                "location_id": 1,
            },
        )
        paris = _peer("systematic", "FR")
        _feed(
            paris,
            "cluster",
            "c2",
            {
                "name": "Systematic",
                "country": "FR",
                "city": "Paris",
                "languages": ["fr", "en"],
                "sectors": ["Digital industries", "Automotive"],
            },
        )
        _feed(
            paris, "service", "s2", {"id": 7, "kind": "market_briefing", "name": "Marché français", "languages": ["fr"]}
        )
        _feed(
            paris,
            "event",
            "e2",
            {
                "id": 2,
                "title": "Open source evening",
                "starts_at": "2027-03-10T17:30:00+00:00",
                "ends_at": "2027-03-10T20:30:00+00:00",
                "languages": ["fr", "en"],
            },
        )
        gone = _peer("suspended", "DE", status=PeerStatus.SUSPENDED)
        _feed(gone, "desk", "d9", {"id": 9, "name": "Hidden desk", "seats": 1})
        session.commit()


@pytest.fixture
def member(make_user, bearer):
    return bearer(make_user(role=Role.MEMBER))


def uids(client, headers, **filters):
    response = client.get("/api/federation/search", query_string=filters, headers=headers)
    assert response.status_code == 200, response.json
    return [row["uid"] for row in response.json]


def test_filters(client, federation, member):
    assert set(uids(client, member)) == {"c1", "l1", "d1", "s1", "e1", "c2", "s2", "e2"}  # not the suspended peer
    assert uids(client, member, kind="desk") == ["d1"]
    assert set(uids(client, member, country="ie")) == {"c1", "l1", "d1", "s1", "e1"}
    assert set(uids(client, member, city="CORK")) == {"c1", "l1", "d1", "s1", "e1"}  # desks inherit the city
    assert uids(client, member, service_kind="market_briefing") == ["s2"]
    assert set(uids(client, member, sector="Automotive")) == {"c2", "s2", "e2"}
    assert set(uids(client, member, language="fr")) == {"c2", "s2", "e2"}
    assert uids(client, member, q="cork tech") == ["s1"]
    assert uids(client, member, date_from="2027-03-01", date_to="2027-03-31") == ["e2"]
    assert uids(client, member, kind="event") == ["e1", "e2"]  # by start time


def test_results_name_their_host_and_item(client, federation, member):
    (row,) = client.get("/api/federation/search?kind=desk", headers=member).json
    assert row["host"]["name"] == "itcork" and row["item"]["seats"] == 2 and row["city"] == "Cork"


def test_a_location_change_moves_its_items(app, client, federation, member):
    with app.app_context():
        peer = session.query(Peer).filter_by(name="itcork").one()
        _feed(peer, "location", "l1", {"id": 1, "name": "Hub", "city": "Kinsale", "country": "IE"})
        session.commit()
    assert set(uids(client, member, city="Kinsale")) == {"l1", "d1", "s1", "e1"}


def test_bad_filters_are_named(client, federation, member):
    for query, field in (
        ("country=XX", "country"),
        ("date_from=2027-03-02&date_to=2027-03-01", "date_to"),
        ("language=english", "language"),
        ("kind=spaceship", "kind"),
    ):
        response = client.get(f"/api/federation/search?{query}", headers=member)
        assert response.status_code == 422 and set(response.json["errors"]["query"]) == {field}


def test_search_needs_a_login(client, federation):
    assert client.get("/api/federation/search").status_code == 401
