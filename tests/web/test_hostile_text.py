"""Hostile text in a real browser: script, markup, template and SQL payloads typed into catalogue
items and member records on one node travel through the federation and are shown back, on both
nodes, as the text they are: nothing runs, nothing is interpreted, nothing is lost. Script links
a node publishes past its own checks are links on neither node, and a log-in link's hostile
``next`` does not take the browser away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, NewsItem
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
SCRIPT_LINK = "javascript:window.pwned='link'"


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


@pytest.fixture(scope="module")
def script_links(nodes):
    """The host's website and a news item's link are script links, written past the host's own
    checks (as a node that skips them, or data from before them, would have)."""
    home, host = nodes
    with host.app_context():
        session.scalar(select(ClusterProfile)).website = SCRIPT_LINK
        session.add(NewsItem(title="Click me", link=SCRIPT_LINK))
        session.commit()
    assert home.cli("sync").returncode == 0


def _no_script_link(page) -> None:
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"


def test_script_links_are_no_links_on_either_node(nodes, script_links, new_page):
    home, host = nodes
    page = new_page()
    opened = _watch(page)
    page.goto(f"{host.url}/")  # the host's own page shows its stored link as text
    expect(page.get_by_text(SCRIPT_LINK)).to_be_visible()
    page.get_by_text(SCRIPT_LINK).click()
    _no_script_link(page)
    page.goto(f"{host.url}/network/newsletter")
    expect(page.get_by_text(SCRIPT_LINK)).to_be_visible()
    _no_script_link(page)
    log_in(page, home, MEMBER, then="/search")
    page.goto(f"{home.url}/clusters/{node_id_of(host)}")  # the partner's copy has no such link at all
    expect(page.get_by_role("heading", name="it@cork")).to_be_visible()
    _no_script_link(page)
    page.goto(f"{home.url}/network/newsletter")
    expect(page.get_by_text("Click me")).to_be_visible()
    _no_script_link(page)
    assert opened == []


def test_a_log_in_link_with_a_hostile_next_stays_on_the_node(nodes, new_page):
    home, _host = nodes
    page = new_page()
    log_in(page, home, MEMBER, then="/%09/evil.example")  # browsers read /<tab>/evil.example as //evil.example
    assert page.url == f"{home.url}/me/visits"  # where a member lands, as if no next was given
