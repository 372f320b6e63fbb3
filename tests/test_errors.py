"""Errors are clear and never leak internals or leave half-written rows: JSON for programs, and
for a person's browser a page in the node's layout and language, with a way on."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from roaming.accounts.models import Role
from roaming.catalogue.models import Location
from roaming.db import session
from roaming.errors import Conflict

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


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROGRAM = {"Accept": "application/json"}
PAGE, API, FEDERATION = "web.home", "catalogue.ClusterProfileView", "registry.registry"


def _refuse(code: int):
    def view(**_kwargs):
        if code == 409:
            raise Conflict("The visit was decided meanwhile.")
        if code == 500:
            raise RuntimeError("secret internal detail")
        if code == 503:
            raise OperationalError("SELECT secret", {}, Exception("database is locked"))
        abort(code)

    return view


@pytest.fixture
def failing(app):
    """Make the front page, an API endpoint and a federation endpoint fail with a status."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def make(code: int) -> None:
        for endpoint in (PAGE, API, FEDERATION):
            app.view_functions[endpoint] = _refuse(code)

    return make


CODES = [403, 404, 405, 409, 413, 429, 500, 503]
GERMAN_TITLES = {
    403: "Sie dürfen diese Seite nicht sehen",
    404: "Seite nicht gefunden",
    405: "Diese Seite lässt sich so nicht verwenden",
    409: "Inzwischen hat sich etwas geändert",
    413: "Das ist zu viel auf einmal",
    429: "Zu viele Versuche",
    500: "Etwas ist schiefgegangen",
    503: "Der Knoten ist gerade nicht erreichbar",
}


@pytest.mark.parametrize("code", CODES)
def test_a_browser_gets_a_page_in_the_layout_and_its_language(client, failing, code):
    failing(code)
    page = client.get("/", headers={**BROWSER, "Accept-Language": "de-DE,de;q=0.9"})
    text = page.get_data(as_text=True)
    assert page.status_code == code and page.mimetype == "text/html"
    assert GERMAN_TITLES[code] in text and f"Fehler {code}" in text
    assert 'lang="de"' in text and "Test cluster" in text  # base.html: the node's layout
    assert 'href="/"' in text  # a way on
    assert "secret" not in text and "Traceback" not in text and "locked" not in text
    assert "Accept" in page.headers["Vary"]
    if code == 503:
        assert page.headers["Retry-After"] == "5"


@pytest.mark.parametrize("code", CODES)
def test_programs_keep_the_json_shape(client, failing, code):
    failing(code)
    api = client.get("/api/cluster", headers=PROGRAM)
    assert api.status_code == code and api.is_json
    assert api.json["code"] == code and set(api.json) <= {"code", "status", "message", "errors"}
    assert "secret" not in api.get_data(as_text=True)
    for path, headers in [("/", PROGRAM), ("/", {}), ("/", {"Accept": "*/*"})]:
        answer = client.get(path, headers=headers)
        assert (answer.status_code, answer.json) == (code, api.json), (path, headers)


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("path", ["/api/cluster", "/federation/registry"])
def test_the_api_and_federation_answer_json_whatever_the_client_accepts(client, failing, code, path):
    failing(code)
    answer = client.get(path, headers=BROWSER)
    assert answer.status_code == code and answer.is_json and answer.json["code"] == code
    assert "Vary" not in answer.headers


def test_real_refusals_are_pages_for_browsers(app, client, make_user, login):
    assert "Seite nicht gefunden" in client.get("/nowhere", headers={**BROWSER, "Accept-Language": "de"}).text
    wrong_method = client.post("/search", headers=BROWSER)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert "This page cannot be used this way" in wrong_method.text
    app.config["MAX_CONTENT_LENGTH"] = 100
    too_big = client.post("/login", data={"email": "x" * 500}, headers=BROWSER)
    assert too_big.status_code == 413 and "too much to send at once" in too_big.text
    app.config["MAX_CONTENT_LENGTH"] = None
    login(make_user(role=Role.MEMBER))
    refused = client.get("/staff", headers={**BROWSER, "Accept-Language": "fr", "Referer": "http://localhost/search"})
    assert refused.status_code == 403 and "Vous ne pouvez pas voir cette page" in refused.text
    assert 'href="/search"' in refused.text  # back where they came from
    assert "/login?next" not in refused.text  # logged in: no log-in offered


def test_an_anonymous_refusal_offers_to_log_in(client, failing):
    failing(403)
    page = client.get("/", headers=BROWSER)
    assert page.status_code == 403 and 'href="/login?next=/"' in page.text


def test_a_page_comes_when_the_layout_cannot_use_the_database(client, failing, monkeypatch):
    """The layout shows the logged-in user, read from the database; when that fails too, the
    page is made without the user, in the browser's language."""
    failing(500)

    def database_down():
        raise OperationalError("SELECT secret", {}, Exception("unable to open database file"))

    monkeypatch.setattr("roaming.error_pages.current_user", database_down)
    page = client.get("/", headers={**BROWSER, "Accept-Language": "fr"})
    assert page.status_code == 500 and "Une erreur s'est produite" in page.text and "secret" not in page.text


def test_a_plain_page_comes_when_no_template_can_be_made(client, failing, monkeypatch):
    failing(404)

    def broken(*_args, **_kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr("roaming.error_pages.render_template", broken)
    page = client.get("/", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Error 404" in page.text and "template broken" not in page.text
