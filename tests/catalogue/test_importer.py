"""Catalogue import: everything or nothing, every problem at once, matched by stable keys."""

from __future__ import annotations

import json
from datetime import date

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


def _write(tmp_path, document, name="catalogue.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
    return path


def test_demo_catalogue_imports_whole_and_again_without_duplicates(tmp_path, within):
    document = _dated(load_data("systematic")["catalogue"], date(2026, 11, 21))
    path = _write(tmp_path, document)
    counts = within(import_catalogue_file, path).counts()
    assert {kind: row["added"] for kind, row in counts.items()} == {
        "cluster": 1, "location": 2, "desk": 2, "room": 1, "service": 6, "event": 2, "news": 1
    }  # fmt: skip
    again = within(import_catalogue_file, path)
    assert again.added == again.changed == again.missing == []
    assert sum(again.unchanged.values()) == 15
    assert within(_count, Event) == 2 and within(_count, Service) == 6


def test_every_problem_of_a_document_is_reported_at_once(tmp_path, within):
    document = {
        "locations": [
            {
                "key": "hq",
                "name": "HQ",
                "address": "a",
                "city": "Cork",
                "country": "ZZ",
                "timezone": "Europe/Dublin",
                "desks": [{"name": "ok", "seats": 1}, {"name": "bad", "seats": -1, "colour": "red"}],
            },
        ],
        "services": [{"kind": "desk", "name": "Desk", "location": "nowhere"}, {"kind": "sauna", "name": "x"}],
        "events": ["not an object"],
        "desks": [],
    }
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, _write(tmp_path, document))
    assert rejected.value.problems == [
        "document: unknown key 'desks'; a catalogue has cluster, locations, services, events, news",
        "locations[0]: country: 'ZZ' is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, IE).",
        "locations[0].desks[1]: colour: Unknown field.",
        "locations[0].desks[1]: seats: Must be greater than or equal to 1 and less than or equal to 1000.",
        "services[0]: location: no location with key 'nowhere' in this file",
        "services[1]: kind: Unknown service kind 'sauna'; known kinds: desk, internet, introductions, "
        "market_briefing, matchmaking, meeting_room.",
        "events[0]: a JSON object is expected",
    ]
    assert within(_count, Location) == within(_count, Desk) == within(_count, Service) == 0


def test_an_explicit_key_lets_an_item_be_renamed(tmp_path, within, make_location):
    make_location(name="Hub")
    path = _write(tmp_path, "key,name,seats,location\nd1,Window desk,2,Hub\n", "desks.csv")
    within(import_catalogue_file, path, kind="desk")
    path.write_text("key,name,seats,location\nd1,Desk by the window,2,Hub\n")
    outcome = within(import_catalogue_file, path, kind="desk")
    assert outcome.changed == [("desk", "d1")] and outcome.added == []
    assert within(lambda: session.scalars(select(Desk.name)).all()) == ["Desk by the window"]


def test_items_made_by_hand_are_left_alone(tmp_path, within, make_location):
    make_location(name="Hub")
    path = _write(tmp_path, "name,seats,location\nWindow,2,Hub\n", "desks.csv")
    outcome = within(import_catalogue_file, path, kind="desk", remove_missing=True)
    assert outcome.missing == []
    assert within(_count, Location) == 1  # the hand-made location is not the import's


def test_a_removal_the_catalogue_refuses_is_a_problem(tmp_path, within):
    location = {"key": "hq", "name": "HQ", "address": "a", "city": "Cork", "country": "IE", "timezone": "Europe/Dublin"}
    within(import_catalogue_file, _write(tmp_path, {"locations": [location]}))
    services = tmp_path / "services.csv"
    services.write_text("kind,name,location\ndesk,Desk,HQ\n")
    within(import_catalogue_file, services, kind="service")
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, _write(tmp_path, {"locations": []}), remove_missing=True)
    assert rejected.value.problems == [
        "location 'hq': cannot be removed: Location 1 is used by 1 service(s); move or delete them first."
    ]
    assert within(_count, Location) == 1


def test_csv_of_one_kind(tmp_path, within, make_location):
    make_location(name="Penrose Wharf")
    path = _write(
        tmp_path,
        "name,seats,location,amenities\nWindow desk,2,Penrose Wharf,monitor; lamp\nBack desk,1,Penrose Wharf,\n",
        "desks.csv",
    )
    assert within(import_catalogue_file, path, kind="desk").counts() == {"desk": {"added": 2}}
    desks = within(lambda: session.scalars(select(Desk).order_by(Desk.id)).all())
    assert desks[0].amenities == ["monitor", "lamp"] and desks[1].seats == 1


def test_csv_whole_numbers_and_json_cells(tmp_path, within):
    path = _write(
        tmp_path,
        "kind;name;member_rate_amount;member_rate_currency;member_rate_unit;options\n"
        'internet;Wi-Fi;500;EUR;day;"{""ssid"": ""guests""}"\n'
        "internet;Fibre;5;EUR;day;{not json\n",
        "services.csv",
    )
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, path, kind="service")
    assert rejected.value.problems == [
        "line 3: options: not valid JSON (Expecting property name enclosed in double quotes)"
    ]
    path.write_text(path.read_text().splitlines()[0] + "\n" + path.read_text().splitlines()[1] + "\n")
    within(import_catalogue_file, path, kind="service")
    service = within(lambda: session.scalar(select(Service)))
    assert (service.member_rate_amount, service.options) == (500, {"ssid": "guests"})


def test_csv_errors_name_the_line_and_the_files_columns(tmp_path, within, make_location):
    make_location(name="Penrose Wharf")
    path = _write(tmp_path, "Name,Seats\nGood,2\n", "desks.csv")
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, path, kind="desk")
    assert rejected.value.problems == ["line 1: the column 'location' is missing"]
    path.write_text("Name,Seats,LOCATION\nGood,2,Penrose Wharf\nBad,two,Penrose Wharf\nLost,1,Atlantis\nNone,1,\n")
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, path, kind="desk")
    assert rejected.value.problems == [
        "line 3: Seats: Not a valid integer.",
        "line 4: LOCATION: no location named 'Atlantis' on this node",
        "line 5: LOCATION: Missing data for required field.",
    ]
    assert within(_count, Desk) == 0


def test_messages_name_the_files_columns_not_the_apis_fields(tmp_path, within):
    day = date.today().isoformat()
    path = _write(
        tmp_path,
        f"Title,Starts_At,Ends_At,Timezone,Key\nBreakfast,{day}T08:00:00+01:00,{day}T09:00:00+01:00,Europe/Berlin,\n"
        f"Lunch,{day}T12:00:00+01:00,{day}T13:00:00+01:00,Europe/Berlin,{'k' * 201}\n",
        "events.csv",
    )
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, path, kind="event")
    assert rejected.value.problems == [
        "line 2: location: Give a location or an online_url.",
        "line 3: Key: a text of 1 to 200 characters is expected.",
        "line 3: location: Give a location or an online_url.",
    ]


def test_a_desk_listed_under_its_location_names_no_other_location(tmp_path, within):
    location = {"name": "HQ", "address": "a", "city": "Cork", "country": "IE", "timezone": "Europe/Dublin"}
    document = {"locations": [{**location, "desks": [{"name": "d", "seats": 1, "location": "elsewhere"}]}]}
    with pytest.raises(ImportRejected) as rejected:
        within(import_catalogue_file, _write(tmp_path, document))
    assert rejected.value.problems == [
        "locations[0].desks[0]: location: Unknown field (it is at the location it is listed in)."
    ]
