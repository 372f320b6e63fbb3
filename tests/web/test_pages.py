"""Every page renders for the people it is for (Flask's test client; the browser journeys across
two running nodes are in test_journeys.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from roaming.accounts.models import Role
from roaming.catalogue.models import Event, Location, NewsItem
from roaming.db import session
from tests.conftest import PASSWORD

STAFF_PAGES = (
    "/staff",
    "/staff/catalogue",
    "/staff/catalogue/locations/new",
    "/staff/catalogue/desks/new",
    "/staff/catalogue/rooms/new",
    "/staff/catalogue/services/new",
    "/staff/catalogue/events/new",
    "/staff/catalogue/news/new",
    "/staff/catalogue/profile",
    "/staff/members",
    "/staff/partners",
    "/staff/ledger",
    "/staff/outcomes",
)

pytestmark = pytest.mark.one_database(reason="pages and their access rules: the engine cannot change what a page shows")
PUBLIC_PAGES = ("/", "/network", "/network/newsletter", "/login")


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


@pytest.fixture
def staff_client(client, make_user, login):
    login(make_user(role=Role.HOST_STAFF))
    return client


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_for_anyone(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b'<main id="main">' in response.data


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_render_for_staff(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 200, response.data[:500]


@pytest.mark.parametrize("path", STAFF_PAGES + ("/search", "/me/visits"))
def test_pages_send_anonymous_visitors_to_the_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_members_cannot_open_staff_pages(client, make_user, login, path):
    login(make_user(role=Role.MEMBER))
    assert client.get(path).status_code == 403


def test_member_pages_render(client, make_user, login):
    login(make_user(role=Role.MEMBER))
    for path in ("/search", "/search?kind=desk&country=IE", "/me/visits", "/network/newsletter"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert b"Calendar feed" in client.get("/me/visits").data


def test_search_filters_with_bad_values_are_named(client, make_user, login):
    login(make_user(role=Role.MEMBER))
    for query, field in (("language=xx&q=desk", "language"), ("date_from=2026-12-10&date_to=2026-12-01", "date_to")):
        response = client.get(f"/search?{query}")
        assert response.status_code == 422
        page = response.data.decode()
        assert f'id="{field}-error"' in page
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page)


def test_a_location_with_bad_input_shows_the_errors_beside_the_fields_and_keeps_nothing(staff_client, app):
    token = csrf_of(staff_client.get("/staff/catalogue/locations/new").data)
    form = {
        "csrf_token": token,
        "name": "Harbour hub",
        "address": "",
        "city": "Cork",
        "country": "XX",
        "timezone": "Europe/Nowhere",
        "latitude": "north",
    }
    response = staff_client.post("/staff/catalogue/locations/new", data=form)
    assert response.status_code == 422
    page = response.data.decode()
    for name in ("address", "country", "timezone", "latitude"):
        assert f'id="{name}-error"' in page, name
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', page), name
    assert 'value="Harbour hub"' in page  # what was typed is kept
    with app.app_context():
        assert session.query(Location).count() == 0


def test_staff_create_a_location_and_a_news_item(staff_client, app):
    token = csrf_of(staff_client.get("/staff/catalogue/locations/new").data)
    form = {
        "csrf_token": token,
        "name": "Harbour hub",
        "address": "1 Quay St",
        "city": "Cork",
        "country": "IE",
        "timezone": "Europe/Dublin",
        "latitude": "51.8985",
        "longitude": "-8.4756",
        "opening_hours": "mon 09:00-18:00\ntue 09:00-12:00, 13:00-18:00",
    }
    response = staff_client.post("/staff/catalogue/locations/new", data=form)
    assert response.status_code == 302, response.data[:800]
    response = staff_client.post("/staff/catalogue/news/new", data={"csrf_token": token, "title": "New lab opens"})
    assert response.status_code == 302
    with app.app_context():
        location = session.query(Location).one()
        assert location.opening_hours == {"mon": [["09:00", "18:00"]], "tue": [["09:00", "12:00"], ["13:00", "18:00"]]}
        assert location.latitude == pytest.approx(51.8985)
        assert session.query(NewsItem).one().title == "New lab opens"
    assert b"New lab opens" in staff_client.get("/network/newsletter").data


def test_forms_without_the_csrf_token_are_refused(staff_client):
    response = staff_client.post("/staff/catalogue/news/new", data={"title": "Forged"})
    assert response.status_code == 403


def test_language_from_the_browser_and_from_the_switch(client):
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).data.decode()
    assert "Se connecter" in client.get("/login", headers={"Accept-Language": "fr"}).data.decode()
    token = csrf_of(client.get("/").data)
    client.post("/language", data={"csrf_token": token, "language": "fr", "next": "/network"})
    page = client.get("/network", headers={"Accept-Language": "de"}).data.decode()
    assert '<html lang="fr">' in page and "Le réseau" in page


def test_a_members_language_choice_is_saved_in_their_profile(client, make_user, login, app):
    user = make_user(role=Role.MEMBER)
    login(user)
    token = csrf_of(client.get("/me/visits").data)
    client.post("/language", data={"csrf_token": token, "language": "de", "next": "/me/visits"})
    with app.app_context():
        from roaming.members.models import Person

        assert session.get(Person, user.person_id).language == "de"
    assert "Meine Besuche" in client.get("/me/visits").data.decode()


def test_the_ledger_charts_desk_days_per_partner_and_month_up_to_the_latest_booked(staff_client, within):
    from roaming.db import utcnow
    from roaming.identity.operations import node_id
    from roaming.ledger.models import Book, Receipt
    from roaming.peers.models import Peer, TrustSource

    def record():
        session.add(Peer(node_id="paris", name="Systematic", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED))
        me = node_id()
        for issuer, audience, period, days in ((me, "paris", "2031-01", 3), ("paris", me, "2031-01", 1)):
            session.add(
                Receipt(
                    book=Book.NODE,
                    receipt_id=f"v-{issuer}:completed",
                    issuer=issuer,
                    audience=audience,
                    kind="completed",
                    subject=f"visit-{period}-{days}",
                    period=period,
                    desk_days=days,
                    token="t",
                    issued_at=utcnow(),
                )
            )
        session.commit()

    within(record)
    page = staff_client.get("/staff/ledger").data.decode()
    assert "<td>Systematic</td><td>3</td><td>1</td>" in page.replace("\n", "").replace("  ", "")
    assert ">Jan</text>" in page and ">2031</text>" in page  # the chart ends with the month booked ahead
    assert page.count('class="hosted"') == 12 and "<title>Jan 2031: 3</title>" in page


def test_a_member_subscribes_to_the_newsletter_and_staff_send_the_digest_in_their_language(app, make_user, within):
    from roaming.catalogue.operations import create_item
    from roaming.notify.models import Notification

    member = make_user(role=Role.MEMBER)
    within(lambda: create_item(NewsItem, {"title": "Hackathon in Cork", "body": "Teams wanted."}))
    jana, desk = app.test_client(), app.test_client()
    for client, user in ((jana, member), (desk, make_user(role=Role.HOST_STAFF))):
        assert client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200
    token = csrf_of(jana.get("/network/newsletter").data)
    jana.post("/language", data={"csrf_token": token, "language": "fr", "next": "/"})
    jana.post("/network/newsletter/subscription", data={"csrf_token": token, "subscribe": "yes"})
    assert "Arrêter le résumé par e-mail" in jana.get("/network/newsletter").data.decode()

    page = desk.get("/network/newsletter").data
    response = desk.post("/network/newsletter/send?days=30", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 302
    with app.app_context():
        (mail,) = session.query(Notification).filter_by(kind="newsletter").all()
        assert mail.recipient_email == member.email and mail.language == "fr"
        assert mail.subject == "Cluster à la une : les nouvelles de la fédération"
        assert "Hackathon in Cork" in mail.text and "Teams wanted." in mail.html


def test_staff_delete_an_item_unless_something_still_uses_it(staff_client, make_event, app):
    event = make_event()
    token = csrf_of(staff_client.get("/staff/catalogue").data)
    refused = staff_client.post(f"/staff/catalogue/locations/{event.location_id}/delete", data={"csrf_token": token})
    assert refused.status_code == 302
    assert "is used by 1 event(s)" in staff_client.get("/staff/catalogue").data.decode()
    staff_client.post(f"/staff/catalogue/events/{event.id}/delete", data={"csrf_token": token})
    staff_client.post(f"/staff/catalogue/locations/{event.location_id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert session.query(Location).count() == 0
    assert staff_client.post("/staff/catalogue/desks/999/delete", data={"csrf_token": token}).status_code == 404


def test_deleting_an_item_asks_first_and_a_get_changes_nothing(staff_client, make_event, app):
    event = make_event()
    confirm = staff_client.get(f"/staff/catalogue/events/{event.id}/delete")
    assert confirm.status_code == 200
    page = confirm.data.decode()
    assert "Delete " in page and event.title in page and 'method="post"' in page
    with app.app_context():
        assert session.query(Event).count() == 1
    staff_client.post(f"/staff/catalogue/events/{event.id}/delete", data={"csrf_token": csrf_of(confirm.data)})
    with app.app_context():
        assert session.query(Event).count() == 0


def test_emptying_a_required_field_is_refused_beside_it_and_keeps_the_value(staff_client, make_event, app):
    event = make_event()
    form = staff_client.get(f"/staff/catalogue/events/{event.id}")
    soon = (date.today() + timedelta(days=30)).isoformat()
    values = {"csrf_token": csrf_of(form.data), "title": "  ", "starts_at": f"{soon}T10:00"}
    refused = staff_client.post(f"/staff/catalogue/events/{event.id}", data=values)
    assert refused.status_code == 422
    page = refused.data.decode()
    assert 'id="title-error"' in page and 'id="starts_at-error"' not in page and 'id="ends_at-error"' in page
    with app.app_context():
        assert session.get(Event, event.id).title == event.title
