"""A member looks for a desk free on their dates, in a real browser against two running nodes
(tests/web/conftest.py): CyberForum's member searches it@cork, which has a desk free on all days
and one taken on the first; the hosts count their own seats. In English and in German."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect

from roaming.catalogue.models import Desk, Location
from roaming.catalogue.operations import create_item
from roaming.db import session
from tests.support.visits import add_member, next_monday, plan
from tests.web.conftest import MEMBER, PASSWORD

pytestmark = pytest.mark.one_database(reason="a visitor's search in a browser")

MONDAY = next_monday(3)
WEDNESDAY = MONDAY + timedelta(days=2)
HEADING = {"en-GB": "Find a desk abroad", "de-DE": "Schreibtisch im Ausland finden"}


def _log_in(page, node) -> None:
    """Jana logs in and lands on the search, in the page's language (fields found by id)."""
    page.goto(f"{node.url}/login?next=/search")
    page.locator("#email").fill(MEMBER)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_be_visible()


@pytest.fixture(scope="module")
def attic_taken_on_monday(nodes):
    """A one-seat desk at the host whose Monday another member asked for."""
    home, host = nodes
    with host.app_context():
        hub = session.query(Location).one()
        attic = create_item(Desk, {"name": "Attic desk", "seats": 1, "location_id": hub.id}).uid
    assert home.cli("sync").returncode == 0
    colleague, _company = add_member(home, "max.braun@datenwerk.example")
    asked = requests.post(f"{home.url}/api/visits", json=plan(host, attic, MONDAY), headers=colleague, timeout=30)
    assert asked.status_code == 201, asked.text
    return attic


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_a_member_finds_the_desks_free_on_their_dates_first(nodes, attic_taken_on_monday, new_page, locale):
    home, _host = nodes
    jana = new_page(locale=locale)
    _log_in(jana, home)
    expect(jana.get_by_role("heading", level=1)).to_have_text(HEADING[locale])
    expect(jana.locator("#kind")).to_have_value("desk")  # it starts on desks
    expect(jana.locator("ul.cards li.card")).to_have_count(2)
    jana.locator("#first_day").fill(MONDAY.isoformat())
    jana.locator("#last_day").fill(WEDNESDAY.isoformat())
    jana.locator("#people").fill("1")
    jana.locator("form[role=search] button[type=submit]").click()

    cards = jana.locator("ul.cards li.card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator("h3")).to_have_text("Harbour desk")
    expect(cards.nth(0).locator(".fit")).to_have_attribute("data-fit", "free")
    expect(cards.nth(1).locator("h3")).to_have_text("Attic desk")
    expect(cards.nth(1).locator(".fit")).to_have_attribute("data-fit", "partly")
    if locale == "en-GB":
        expect(cards.nth(0)).to_contain_text("Free on all 3 working days")
        expect(cards.nth(1)).to_contain_text("Free on 2 of 3 working days")
    assert jana.locator("svg.map g.land path").count() > 5  # land under the dot
    expect(jana.locator("svg.map > title")).not_to_be_empty()
    expect(jana.locator("#map-places li")).to_have_count(1)

    cards.nth(0).locator("a[href^='/visits/new']").click()
    expect(jana.locator("#first_day")).to_have_value(MONDAY.isoformat())
    expect(jana.locator("#last_day")).to_have_value(WEDNESDAY.isoformat())


def test_a_bad_date_is_named_beside_its_field(nodes, new_page):
    home, _host = nodes
    jana = new_page()
    _log_in(jana, home)
    jana.locator("#first_day").fill(WEDNESDAY.isoformat())
    jana.locator("#last_day").fill(MONDAY.isoformat())
    jana.get_by_role("button", name="Search").click()
    expect(jana.locator("#last_day")).to_have_attribute("aria-invalid", "true")
    expect(jana.locator("#last_day-error")).to_have_text("The last day is before the first day.")
    expect(jana.locator("#first_day")).to_have_value(WEDNESDAY.isoformat())
