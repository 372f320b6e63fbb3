"""Change numbers and tombstones: what the federation will sync from."""

from __future__ import annotations

import threading

import pytest

from roaming.accounts.models import Role
from roaming.catalogue.changes import changes_since, last_change_number
from roaming.catalogue.models import Location
from roaming.catalogue.operations import create_item
from roaming.db import session

pytestmark = pytest.mark.each_database


def test_every_change_gets_a_higher_number_and_deletion_leaves_a_tombstone(
    client, make_user, bearer, make_location, make_desk
):
    staff = bearer(make_user(role=Role.HOST_STAFF))
    location = make_location()
    desk = make_desk(location=location)
    assert desk.change_seq > location.change_seq

    patched = client.patch(f"/api/desks/{desk.id}", json={"seats": 3}, headers=staff).json
    assert patched["change_seq"] > desk.change_seq
    client.delete(f"/api/desks/{desk.id}", headers=staff)

    feed = client.get(f"/api/catalogue/changes?since={location.change_seq}").json
    assert [(c["kind"], c["uid"], c["deleted"]) for c in feed["changes"]] == [("desk", desk.uid, True)]
    assert feed["changes"][0]["item"] is None
    assert feed["more"] is False


def test_feed_pages_in_order_and_only_returns_what_changed(client, make_location):
    for index in range(5):
        make_location(name=f"L{index}")
    first = client.get("/api/catalogue/changes?since=0&limit=2").json
    assert [c["item"]["name"] for c in first["changes"]] == ["L0", "L1"] and first["more"]
    second = client.get(f"/api/catalogue/changes?since={first['cursor']}&limit=10").json
    assert [c["item"]["name"] for c in second["changes"]] == ["L2", "L3", "L4"]
    assert second["more"] is False
    empty = client.get(f"/api/catalogue/changes?since={second['cursor']}").json
    assert empty == {"changes": [], "cursor": second["cursor"], "more": False}


def test_unmodified_items_keep_their_number(within, make_location):
    location = make_location()

    def touch_without_change():
        row = session.get(Location, location.id)
        row.name = row.name  # same value: not a change
        session.commit()
        return last_change_number(session)

    assert within(touch_without_change) == location.change_seq


def test_concurrent_writers_get_distinct_numbers(app, within):
    """Threads writing at once never share a number (the counter row serialises them)."""
    errors = []

    def writer(index):
        try:
            with app.app_context():
                for step in range(5):
                    create_item(
                        Location,
                        {
                            "name": f"T{index}-{step}",
                            "address": "a",
                            "city": "c",
                            "country": "DE",
                            "timezone": "Europe/Berlin",
                        },
                    )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    numbers = within(lambda: [c.seq for c in changes_since(session, 0, 1000)])
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert within(lambda: last_change_number(session)) == max(numbers)
