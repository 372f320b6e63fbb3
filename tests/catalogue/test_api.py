"""Round trips and validation for every catalogue resource."""

from __future__ import annotations

from datetime import datetime

import pytest

from roaming.accounts.models import Role
from roaming.catalogue.models import Location
from roaming.db import session

pytestmark = pytest.mark.each_database

LOCATION = {
    "name": "Technologiefabrik",
    "address": "Haid-und-Neu-Straße 7",
    "postal_code": "76131",
    "city": "Karlsruhe",
    "country": "de",
    "latitude": 49.0131,
    "longitude": 8.4213,
    "timezone": "Europe/Berlin",
    "opening_hours": {"mon": [["08:30", "12:00"], ["13:00", "18:00"]], "fri": [["08:30", "16:00"]]},
    "closed_days": ["2026-12-24"],
}


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user(role=Role.HOST_STAFF))


def _payloads(location_id):
    return {
        "/api/locations": LOCATION,
        "/api/desks": {"location_id": location_id, "name": "Open space", "seats": 4, "amenities": ["monitor"]},
        "/api/rooms": {"location_id": location_id, "name": "Rhein", "capacity": 8},
        "/api/services": {
            "kind": "matchmaking",
            "name": "Matchmaking",
            "languages": ["de", "en"],
            "location_id": location_id,
            "free_under_agreement": False,
            "member_rate_amount": 15000,
            "member_rate_currency": "EUR",
            "member_rate_unit": "session",
        },
        "/api/events": {
            "title": "IT Security Breakfast",
            "starts_at": "2027-02-03T07:30:00+00:00",
            "ends_at": "2027-02-03T09:30:00+00:00",
            "location_id": location_id,
            "visitor_seats": 5,
            "member_rate_amount": 1500,
            "member_rate_currency": "EUR",
        },
    }


@pytest.mark.parametrize("path", ["/api/locations", "/api/desks", "/api/rooms", "/api/services", "/api/events"])
def test_round_trip(client, staff, make_location, path):
    location = make_location()
    payload = _payloads(location.id)[path]

    created = client.post(path, json=payload, headers=staff)
    assert created.status_code == 201, created.json
    item = created.json
    assert item["uid"] and item["change_seq"] > 0
    for key in payload.keys() - {"country", "starts_at", "ends_at"}:
        assert item[key] == payload[key]
    for key in payload.keys() & {"starts_at", "ends_at"}:  # same instant, shown in local time
        assert datetime.fromisoformat(item[key]) == datetime.fromisoformat(payload[key])

    listed = client.get(path)
    assert item["id"] in [row["id"] for row in listed.json]
    assert client.get(f"{path}/{item['id']}").json == item

    patched = client.patch(f"{path}/{item['id']}", json={"description": "Updated"}, headers=staff)
    assert patched.status_code == 200, patched.json
    assert patched.json["description"] == "Updated"
    assert patched.json["change_seq"] > item["change_seq"]

    assert client.delete(f"{path}/{item['id']}", headers=staff).status_code == 204
    assert client.get(f"{path}/{item['id']}").status_code == 404


def test_country_is_normalised_and_event_takes_location_time_zone(client, staff, make_location):
    location = make_location(timezone="Europe/Paris")
    created = client.post("/api/locations", json=LOCATION, headers=staff).json
    assert created["country"] == "DE"
    event = client.post("/api/events", json=_payloads(location.id)["/api/events"], headers=staff).json
    assert event["timezone"] == "Europe/Paris"
    assert event["starts_at"] == "2027-02-03T08:30:00+01:00"  # in Paris time, whatever offset was sent


def test_cluster_profile_put_get_patch(client, staff):
    assert client.get("/api/cluster").status_code == 404
    profile = {
        "name": "CyberForum",
        "legal_form": "e.V.",
        "country": "DE",
        "region": "DE12",
        "city": "Karlsruhe",
        "sectors": ["Digital industries"],
        "website": "https://en.cyberforum.de",
        "member_count": 1200,
        "founding_year": 1997,
        "management_label": "gold",
        "languages": ["de", "en"],
        "visitor_contact_role": "International desk",
        "visitor_contact_email": "roaming@cyberforum.example",
    }
    put = client.put("/api/cluster", json=profile, headers=staff)
    assert put.status_code == 200, put.json
    assert client.get("/api/cluster").json["management_label"] == "gold"
    patched = client.patch("/api/cluster", json={"member_count": 1300}, headers=staff)
    assert patched.json["member_count"] == 1300 and patched.json["name"] == "CyberForum"


@pytest.mark.parametrize(
    ("path", "changes", "field", "fragment"),
    [
        ("/api/locations", {"country": "XX"}, "country", "ISO 3166-1"),
        ("/api/locations", {"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ("/api/locations", {"latitude": 91}, "latitude", "less than or equal to 90"),
        ("/api/locations", {"latitude": None, "longitude": 8.4}, "longitude", "together"),
        ("/api/locations", {"opening_hours": {"mon": [["18:00", "09:00"]]}}, "opening_hours", "closes before"),
        ("/api/locations", {"opening_hours": {"funday": [["09:00", "10:00"]]}}, "opening_hours", "Must be one of"),
        ("/api/locations", {"closed_days": ["24.12.2026"]}, "closed_days", "YYYY-MM-DD"),
        ("/api/locations", {"name": ""}, "name", "blank"),
        ("/api/locations", {"name": "x" * 201}, "name", "Longer than"),
        ("/api/locations", {"surprise": 1}, "surprise", "Unknown field"),
        ("/api/desks", {"seats": 0}, "seats", "greater than or equal"),
        ("/api/desks", {"seats": "many"}, "seats", "Not a valid integer"),
        ("/api/desks", {"location_id": 999}, "location_id", "No location with id 999"),
        ("/api/services", {"kind": "spa"}, "kind", "Unknown service kind"),
        ("/api/services", {"languages": ["english"]}, "0", "ISO 639-1"),
        ("/api/services", {"member_rate_currency": "EURO"}, "member_rate_currency", "ISO 4217"),
        ("/api/services", {"member_rate_amount": 10, "member_rate_currency": None}, "member_rate_currency", "currency"),
        ("/api/services", {"member_rate_amount": 12.5}, "member_rate_amount", "integer"),
        ("/api/events", {"ends_at": "2027-02-03T07:00:00+00:00"}, "ends_at", "end after"),
        ("/api/events", {"starts_at": "2027-02-03T08:30:00"}, "starts_at", "aware"),
        ("/api/events", {"location_id": None}, "location_id", "online_url"),
        ("/api/events", {"online_url": "javascript:alert(1)"}, "online_url", "http, https and mailto"),
    ],
)
def test_validation_errors_name_the_field(client, staff, make_location, path, changes, field, fragment):
    payload = {**_payloads(make_location().id)[path], **changes}
    response = client.post(path, json=payload, headers=staff)
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    flat = str(errors)
    assert field in flat and fragment in flat, errors


def test_patch_validates_the_merged_item(client, staff, make_event):
    event = make_event()
    response = client.patch(f"/api/events/{event.id}", json={"ends_at": "2020-01-01T00:00:00+00:00"}, headers=staff)
    assert response.status_code == 422
    assert "ends_at" in response.json["errors"]["json"]


def test_profile_nuts_code_must_match_country(client, staff):
    response = client.put("/api/cluster", json={"name": "X", "country": "FR", "region": "DE12"}, headers=staff)
    assert response.json["errors"]["json"] == {"region": ["NUTS code DE12 is not in country FR."]}


def test_pagination_reports_totals(client, make_location):
    for index in range(7):
        make_location(name=f"Location {index}")
    response = client.get("/api/locations?page=2&page_size=5")
    assert [row["name"] for row in response.json] == ["Location 5", "Location 6"]
    assert '"total": 7' in response.headers["X-Pagination"]


def test_deleting_a_location_takes_desks_and_rooms_but_refuses_while_services_use_it(
    client, staff, within, make_location, make_desk, make_room, make_service
):
    location = make_location()
    desk, room = make_desk(location=location), make_room(location=location)
    service = make_service(location_id=location.id)

    refused = client.delete(f"/api/locations/{location.id}", headers=staff)
    assert refused.status_code == 409
    assert "service" in refused.json["message"]

    assert client.delete(f"/api/services/{service.id}", headers=staff).status_code == 204
    assert client.delete(f"/api/locations/{location.id}", headers=staff).status_code == 204
    assert client.get(f"/api/desks/{desk.id}").status_code == 404
    assert client.get(f"/api/rooms/{room.id}").status_code == 404
    assert within(lambda: session.get(Location, location.id)) is None


def test_reference_lists(client):
    sectors = client.get("/api/reference/sectors").json
    assert len(sectors["sectoral_industries"]) == 51 and len(sectors["emerging_industries"]) == 10
    kinds = {row["kind"] for row in client.get("/api/reference/service-kinds").json["service_kinds"]}
    assert {"desk", "meeting_room", "internet", "introductions", "matchmaking", "market_briefing"} <= kinds
