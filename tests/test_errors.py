"""Errors are JSON, clear, and never leak internals or leave half-written rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roaming.accounts.models import Role
from roaming.catalogue.models import Location
from roaming.db import session

pytestmark = pytest.mark.each_database


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user(role=Role.HOST_STAFF))


def test_unknown_url_and_method(client):
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json["code"] == 404
    wrong_method = client.put("/healthz")
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]


def test_body_over_the_limit_is_413(app, client, staff):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(
        "/api/locations", data="{" + " " * 2000 + "}", content_type="application/json", headers=staff
    )
    assert response.status_code == 413 and response.json["status"] == "Request Entity Too Large"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null"])
def test_malformed_bodies_get_a_4xx_json_answer(client, staff, body):
    response = client.post("/api/locations", data=body, content_type="application/json", headers=staff)
    assert response.status_code in (400, 422)
    assert response.is_json and "Traceback" not in response.get_data(as_text=True)


def test_unexpected_errors_are_json_500_without_internals(app, client, monkeypatch, caplog):
    def explode():
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("roaming.catalogue.operations.get_profile", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/cluster")
    assert response.status_code == 500
    assert response.json == {"code": 500, "status": "Internal Server Error", "message": "Internal error."}
    assert "secret internal detail" in caplog.text  # logged for the operator, not shown


def test_failed_request_leaves_no_half_written_rows(client, within, staff, make_location, monkeypatch):
    location = make_location()

    def fail_after_desks(item):
        for child in item.desks:
            session.delete(child)
        raise RuntimeError("disk full")

    monkeypatch.setattr("roaming.catalogue.operations._refuse_if_referenced", fail_after_desks)
    with pytest.raises(RuntimeError):
        client.delete(f"/api/locations/{location.id}", headers=staff)
    assert within(lambda: session.scalar(select(func.count()).select_from(Location))) == 1


def test_huge_ids_are_404_not_overflows(client):
    assert client.get(f"/api/locations/{2**70}").status_code == 404


def test_control_characters_are_refused(client, staff):
    response = client.post("/api/members/companies", json={"name": "Evil\x00Corp", "country": "DE"}, headers=staff)
    assert response.status_code == 422 and "control characters" in str(response.json["errors"])


def test_deeply_nested_json_is_a_400(client, staff):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/locations", data=body, content_type="application/json", headers=staff)
    assert response.status_code == 400


def test_a_uniqueness_race_is_a_409(client, staff, make_person, monkeypatch):
    person = make_person()
    monkeypatch.setattr("roaming.members.operations._refuse_taken_email", lambda address: None)
    response = client.post(
        f"/api/members/companies/{person.company_id}/people",
        json={"name": "Twin", "email": person.email},
        headers=staff,
    )
    assert response.status_code == 409 and "reload" in response.json["message"]


def test_numbers_beyond_what_the_database_holds_are_422(client, staff):
    """Found by tests/test_api_fuzz.py: these were 500s (the driver's integer overflow)."""
    page = client.get(f"/api/locations?page={2**70}", headers=staff)
    assert page.status_code == 422 and page.json["message"] == "A number in the request is too large."
    desk = client.post("/api/desks", json={"location_id": 2**70, "name": "Desk", "seats": 1}, headers=staff)
    assert desk.status_code == 422 and "location_id" in desk.json["errors"]["json"]


def test_a_name_cannot_be_blanked(client, staff):
    """Found by tests/test_api_fuzz.py: PATCH /api/me accepted an empty name."""
    blanked = client.patch("/api/me", json={"name": ""}, headers=staff)
    assert blanked.status_code == 422 and blanked.json["errors"]["json"]["name"] == ["Must not be blank."]
