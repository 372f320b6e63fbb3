"""Hostile text in a real browser: script, markup, template and SQL payloads typed into catalogue
items and member records on one node travel through the federation and are shown back, on both
nodes, as the text they are: nothing runs, nothing is interpreted, nothing is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from roaming.catalogue.models import Desk, Event, Location
from roaming.catalogue.operations import create_item
from roaming.db import session
from roaming.members.models import MemberCompany
from tests.support.visits import node_id_of
from tests.web.conftest import MEMBER, STAFF, log_in

pytestmark = pytest.mark.one_database(reason="what the browser shows of hostile text")

SCRIPT = "<script>window.pwned = 'script'</script>"
IMAGE = '"><img src=x onerror="window.pwned = \'img\'">'
TEMPLATE = "{{ 7 * 7 }} ${7*7} {% raw %}"
SQL = "Robert'); DROP TABLE desk; --"
PAYLOADS = (SCRIPT, IMAGE, TEMPLATE, SQL)


@pytest.fixture(scope="module")
def hostile(nodes):
    """Payloads in the host's location, desk and event, and in a member company at the host."""
    home, host = nodes
    with host.app_context():
        location = create_item(
            Location,
            {
                "name": f"Quay {IMAGE}",
                "address": SQL,
                "city": "Cork",
                "country": "IE",
                "timezone": "Europe/Dublin",
                "description": SCRIPT,
            },
        )
        desk = create_item(
            Desk, {"name": f"Desk {SCRIPT}", "seats": 1, "location_id": location.id, "description": TEMPLATE}
        )
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
        event = create_item(
            Event,
            {
                "title": f"Meetup {IMAGE}",
                "description": f"{SCRIPT} {TEMPLATE}",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "timezone": "Europe/Dublin",
                "location_id": location.id,
                "visitor_seats": 3,
            },
        )
        session.add(MemberCompany(name=f"Acme {IMAGE}", country="IE", sector=SQL))
        session.commit()
        uids = {"desk": desk.uid, "event": event.uid}
    assert home.cli("sync").returncode == 0
    return uids


def _watch(page) -> list[str]:
    """The messages of the dialogs the page opens (the payloads set ``window.pwned`` instead;
    this catches script from anywhere else)."""
    opened: list[str] = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def _shows_text_and_ran_nothing(page, *texts: str) -> None:
    for text in texts:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("img[src='x']").count() == 0


def test_partner_pages_show_payloads_as_text(nodes, hostile, new_page):
    home, host = nodes
    host_id = node_id_of(host)
    page = new_page()
    opened = _watch(page)
    log_in(page, home, MEMBER, then="/search")
    page.goto(f"{home.url}/search?q=desk")
    _shows_text_and_ran_nothing(page, f"Desk {SCRIPT}")
    page.goto(f"{home.url}/clusters/{host_id}/desks/{hostile['desk']}")
    _shows_text_and_ran_nothing(page, f"Desk {SCRIPT}", TEMPLATE)
    page.goto(f"{home.url}/clusters/{host_id}/events/{hostile['event']}")
    _shows_text_and_ran_nothing(page, f"Meetup {IMAGE}", SCRIPT)
    page.goto(f"{home.url}/clusters/{host_id}")
    _shows_text_and_ran_nothing(page, f"Desk {SCRIPT}", f"Meetup {IMAGE}")
    assert opened == []


def test_staff_pages_show_payloads_as_text(nodes, hostile, new_page):
    _home, host = nodes
    page = new_page()
    opened = _watch(page)
    log_in(page, host, STAFF, then="/staff")
    page.goto(f"{host.url}/staff/catalogue")
    _shows_text_and_ran_nothing(page, f"Desk {SCRIPT}", f"Meetup {IMAGE}")
    page.goto(f"{host.url}/staff/members")
    _shows_text_and_ran_nothing(page, f"Acme {IMAGE}")
    page.get_by_role("link", name=f"Acme {IMAGE}").click()
    _shows_text_and_ran_nothing(page, f"Acme {IMAGE}")
    assert opened == []


def test_a_payload_typed_into_a_form_is_kept_and_shown_as_text(nodes, hostile, new_page):
    _home, host = nodes
    page = new_page()
    log_in(page, host, STAFF, then="/staff/members")
    name = f"Beta {SCRIPT} {SQL}"
    page.locator("#name").fill(name)
    page.locator("#country").fill("IE")
    page.get_by_role("button", name="Add", exact=True).click()
    _shows_text_and_ran_nothing(page, name)
    with host.app_context():
        assert session.query(MemberCompany).filter_by(name=name).count() == 1
        assert session.query(Desk).filter_by(uid=hostile["desk"]).count() == 1  # "DROP TABLE" did nothing
