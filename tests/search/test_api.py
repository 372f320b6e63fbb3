"""Searching mirrored partner catalogues, filled the way a sync fills them."""

from __future__ import annotations

import itertools
import json

import pytest

from roaming.accounts.models import Role
from roaming.db import session
from roaming.peers import mirror
from roaming.peers.models import Peer, PeerStatus, TrustSource
from roaming.search import operations as ops

pytestmark = pytest.mark.each_database

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


def test_order_events_by_start_then_clusters_by_name(client, federation, member):
    # dated first by start time; then by the clusters' own names (it@cork, Systematic) and kind
    assert uids(client, member) == ["e1", "e2", "c1", "d1", "l1", "s1", "c2", "s2"]


def _desks_of_one_partner(app, count):
    with app.app_context():
        peer = _peer("crowd", "DE")
        for n in range(count):
            _feed(peer, "desk", f"desk-{n:02d}", {"id": n, "name": f"Desk {n}", "seats": 1})
        session.commit()


def test_a_broad_search_counts_a_window_past_the_page(app, client, member, monkeypatch):
    monkeypatch.setattr(ops, "COUNT_WINDOW", 10)
    _desks_of_one_partner(app, 25)

    def page(number):
        response = client.get(f"/api/federation/search?kind=desk&page={number}&page_size=5", headers=member)
        assert response.status_code == 200
        return response.json, json.loads(response.headers["X-Pagination"]), response.headers["X-Total-Exact"]

    rows, pagination, exact = page(1)
    assert len(rows) == 5 and pagination["total"] == 10 and exact == "false"  # "more than 10"
    rows, pagination, exact = page(4)  # 15 before it, 10 of the 10 remaining counted
    assert [row["uid"] for row in rows] == [f"desk-{n:02d}" for n in range(15, 20)]
    assert pagination["total"] == 25 and exact == "true"
    rows, pagination, exact = page(9)  # past the end: the exact number
    assert rows == [] and pagination["total"] == 25 and exact == "true"
    seen = [row["uid"] for number in range(1, 6) for row in page(number)[0]]
    assert seen == sorted(seen) and len(set(seen)) == 25  # one order across pages, nothing twice


def test_the_page_says_more_than_when_the_count_stops(app, client, login, make_user, monkeypatch):
    monkeypatch.setattr(ops, "COUNT_WINDOW", 3)
    _desks_of_one_partner(app, 8)
    login(make_user(role=Role.MEMBER))
    text = client.get("/search?kind=desk").get_data(as_text=True)
    assert "More than 3 results" in text and "Page 1<" in text and ">Next<" in text
