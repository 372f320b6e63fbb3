"""The visitor's journey in a real browser, in English and in German: Jana of CyberForum opens a
desk of it@cork, picks her first and last day on its free-seat calendar, types a message, asks
for the host's makerspace (a plugin service) with its options, checks the dates and terms, sends
the request, finds it in My visits and cancels one day.

The German run asserts on ids, values and structure, not on words (the catalogues may still miss
the newest texts)."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from roaming.db import session
from roaming.peers.models import MirroredItem
from tests.support.nodes import wait_for
from tests.support.visits import next_monday, node_id_of
from tests.web.conftest import MEMBER, log_in

pytestmark = pytest.mark.one_database(reason="the visitor's path through the pages in a browser")


@pytest.fixture(scope="module")
def makerspace(nodes):
    """The host with the makerspace plugin enabled and a laser cutter; the home node has synced
    its catalogue. Returns the host's node id, the desk's and the makerspace service's uids."""
    home, host = nodes
    assert host.cli("plugins", "enable", "makerspace").returncode == 0
    host.stop()
    host.start()
    added = host.cli("makerspace", "add", "Laser cutter")
    assert added.returncode == 0, added.stderr
    assert home.cli("sync").returncode == 0
    with home.app_context():
        desk, service = (
            session.scalar(select(MirroredItem.uid).where(MirroredItem.kind == "desk")),
            session.scalar(select(MirroredItem.uid).where(MirroredItem.service_kind == "makerspace")),
        )
    return node_id_of(host), desk, service


def _open_day(page, day: date) -> None:
    """Show the calendar's weeks holding ``day`` (the calendar opens on this week)."""
    while not page.locator(f'#seat-calendar td[data-day="{day.isoformat()}"]').count():
        page.locator("#later-weeks").click()


@pytest.mark.parametrize(("locale", "weeks_ahead"), [("en-GB", 2), ("de-DE", 3)])
def test_a_visitor_picks_days_asks_for_a_plugin_service_and_cancels_a_day(
    nodes, makerspace, new_page, locale, weeks_ahead
):
    home, _host = nodes
    host_id, desk_uid, service_uid = makerspace
    english = locale == "en-GB"
    first, last = next_monday(weeks_ahead), next_monday(weeks_ahead) + timedelta(days=1)
    jana = new_page(locale=locale)
    if english:
        log_in(jana, home, MEMBER)
    else:
        _log_in_by_ids(jana, home)

    # the desk: pick the first and the last day on its free-seat calendar
    jana.goto(f"{home.url}/clusters/{host_id}/desks/{desk_uid}")
    _open_day(jana, first)
    jana.locator(f'#seat-calendar td[data-day="{first}"] a').click()
    expect(jana.locator(f'#seat-calendar td.chosen[data-day="{first}"]')).to_be_visible()
    jana.locator(f'#seat-calendar td[data-day="{last}"] a').click()
    assert urlsplit(jana.url).path == "/visits/new"
    assert parse_qs(urlsplit(jana.url).query)["first_day"] == [first.isoformat()]
    assert "csrf_token" not in jana.url
    expect(jana.locator("#first_day")).to_have_value(first.isoformat())
    expect(jana.locator("#last_day")).to_have_value(last.isoformat())
    expect(jana.locator("#people")).to_have_attribute("max", "2")  # the desk's seats, under the terms' 3
    for day in (first, last):  # the form shows the same calendar, the days chosen
        expect(jana.locator(f'#seat-calendar td.chosen[data-day="{day}"]')).to_have_count(1)

    # a message first, then the makerspace with its options, then the terms
    message = "Zwei Tage, um Robotikfirmen zu treffen." if not english else "Two days to meet robotics firms."
    jana.locator("#message").fill(message)
    options = f"service_options.{service_uid}"
    jana.locator(f'input[name="services"][value="{service_uid}"]').check()
    equipment = jana.locator(f'select[name="{options}.equipment"]')
    expect(equipment).to_be_visible()
    equipment.select_option(label="Laser cutter")
    day = jana.locator(f'input[name="{options}.day"]')
    assert (day.get_attribute("min"), day.get_attribute("max")) == (first.isoformat(), last.isoformat())
    day.fill(last.isoformat())
    start = jana.locator(f'input[name="{options}.start"]')
    assert (start.get_attribute("min"), start.get_attribute("max")) == ("9", "17")
    start.fill("17")
    jana.locator(f'input[name="{options}.hours"]').fill("3")  # beyond closing time: refused beside the hours
    jana.locator("#check").click()
    expect(jana.locator(f'[id="{options}.hours-error"]')).to_be_visible()
    expect(jana.locator(f'input[name="{options}.hours"]')).to_have_attribute("aria-invalid", "true")
    expect(jana.locator("#message")).to_have_value(message)  # nothing typed is lost
    assert "csrf_token" not in jana.url
    jana.locator(f'input[name="{options}.start"]').fill("14")
    jana.locator(f'input[name="{options}.start"]').press("Enter")  # Enter checks again; it never sends
    expect(jana.locator("#quote")).to_be_visible()
    expect(jana.locator(f'select[name="{options}.equipment"] option:checked')).to_have_text("Laser cutter")
    expect(jana.locator("#message")).to_have_value(message)

    # send; the request is in My visits with its days
    jana.locator("#send").click()
    expect(jana.locator("#visit-state")).to_have_attribute("data-state", "requested")
    visit_url = jana.url
    jana.goto(f"{home.url}/me/visits")
    expect(jana.locator(f'a[href="{urlsplit(visit_url).path}"]')).to_be_visible()
    jana.goto(visit_url)

    # cancel one day: the other stays booked
    jana.locator(f'#cancel-days a[data-day="{first}"]').click()
    jana.locator("#confirm-cancel-button").click()  # the step that asks first

    def one_day_left():
        """the host's answer shows one day cancelled"""
        jana.goto(visit_url)
        return jana.locator("#cancel-days").count() == 0

    wait_for(one_day_left, timeout=30)
    if english:
        expect(jana.get_by_text("(Cancelled)")).to_be_visible()

    # back on the desk's calendar, her remaining day is marked as hers, not as booked
    jana.goto(f"{home.url}/clusters/{host_id}/desks/{desk_uid}")
    _open_day(jana, last)
    expect(jana.locator(f'#seat-calendar td.mine[data-day="{last}"]')).to_have_count(1)
    expect(jana.locator(f'#seat-calendar td.mine[data-day="{first}"]')).to_have_count(0)


def _log_in_by_ids(page, node) -> None:
    page.goto(f"{node.url}/login?next=/")
    page.locator("#email").fill(MEMBER)
    page.locator("#password").fill("correct horse battery staple")
    page.locator("form:has(#password) button[type=submit]").click()
    expect(page.locator("#password")).to_have_count(0)
