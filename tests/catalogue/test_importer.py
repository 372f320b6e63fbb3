"""Catalogue import: everything or nothing, with row-level errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from roaming.catalogue.importer import import_catalogue_file
from roaming.catalogue.models import Desk, Event, Location, Service
from roaming.db import session
from roaming.demo import _dated, load_data
from roaming.importing import ImportRejected

pytestmark = pytest.mark.each_database


def _count(model):
    return session.scalar(select(func.count()).select_from(model))


def test_demo_catalogue_imports_whole(tmp_path, within):
    from datetime import date

    document = _dated(load_data("systematic")["catalogue"], date(2026, 11, 21))
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    counts = within(import_catalogue_file, path)
    assert counts == {"cluster": 1, "location": 2, "desk": 2, "room": 1, "service": 6, "event": 2, "news": 1}
    assert within(_count, Event) == 2


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(tmp_path, within):
    document = {
        "locations": [
            {
                "key": "hq",
                "name": "HQ",
                "address": "a",
                "city": "Cork",
                "country": "IE",
                "timezone": "Europe/Dublin",
                "desks": [{"name": "ok", "seats": 1}, {"name": "bad", "seats": -1}],
            },
        ],
        "services": [{"kind": "desk", "name": "Desk", "location": "nowhere"}, {"kind": "sauna", "name": "x"}],
        "events": ["not an object"],
    }
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, path)
    assert rejected.value.problems == [
        "locations[0].desks[1]: seats: Must be greater than or equal to 1 and less than or equal to 1000.",
        "services[0]: location: no location with key 'nowhere' in this file",
        "services[1]: kind: Unknown service kind 'sauna'; known kinds: desk, internet, introductions, "
        "market_briefing, matchmaking, meeting_room.",
        "events[0]: a JSON object is expected",
    ]
    assert within(_count, Location) == within(_count, Desk) == within(_count, Service) == 0


def test_csv_of_one_kind(tmp_path, within, make_location):
    make_location(name="Penrose Wharf")
    path = tmp_path / "desks.csv"
    path.write_text(
        "name,seats,location,amenities\nWindow desk,2,Penrose Wharf,monitor; lamp\nBack desk,1,Penrose Wharf,\n"
    )
    assert within(import_catalogue_file, path, kind="desk") == {"desk": 2}
    desks = within(lambda: session.scalars(select(Desk).order_by(Desk.id)).all())
    assert desks[0].amenities == ["monitor", "lamp"] and desks[1].seats == 1


def test_csv_errors_name_the_line(tmp_path, within, make_location):
    make_location(name="Penrose Wharf")
    path = tmp_path / "desks.csv"
    path.write_text("name,seats,location\nGood,2,Penrose Wharf\nBad,two,Penrose Wharf\nLost,1,Atlantis\n")
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, path, kind="desk")
    assert rejected.value.problems == [
        "line 3: seats: Not a valid integer.",
        "line 4: location: no location named 'Atlantis' on this node",
    ]
    assert within(_count, Desk) == 0
