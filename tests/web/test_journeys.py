"""Journeys in a real browser across two running nodes: CyberForum (Karlsruhe), whose member
Jana books a desk at it@cork (Cork), whose staff approve it on their dashboard.

The nodes (see conftest.py) are shared by the tests of this module, which run in order: the
plugin test restarts the host, so it comes last.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.nodes import wait_for
from tests.support.visits import next_monday
from tests.web.conftest import MEMBER, STAFF, log_in

pytestmark = pytest.mark.one_database(reason="people's paths through the pages in a browser")


def test_a_member_books_a_desk_abroad_staff_approve_and_the_member_gets_the_calendar_entry(nodes, new_page):
    home, host = nodes
    jana = new_page()
    log_in(jana, home, MEMBER, then="/search")
    jana.get_by_label("What").select_option("desk")
    jana.get_by_label("Country").select_option("IE")
    jana.get_by_role("button", name="Search").click()
    expect(jana.get_by_role("heading", name="1 result")).to_be_visible()
    expect(jana.locator("svg.map circle")).to_have_count(1)
    jana.get_by_role("link", name="Harbour desk").click()
    expect(jana.locator("table.calendar td.free").first).to_be_visible()  # the host's count of free seats

    jana.get_by_role("link", name="Ask for this desk").click()
    monday = next_monday(3)
    jana.get_by_label("Message to the host (optional)").fill("Two days to meet robotics firms.")  # typed first
    jana.get_by_label("First day").fill(monday.isoformat())
    jana.get_by_label("Last day").fill((monday + timedelta(days=1)).isoformat())
    jana.get_by_role("button", name="Check dates and terms").click()
    expect(jana.get_by_role("heading", name="What it@cork offers for these dates")).to_be_visible()
    expect(jana.get_by_text("2 of 5 free days per visit; 3 left")).to_be_visible()
    expect(jana.get_by_text("Staff decide within 72 hours")).to_be_visible()
    expect(jana.get_by_label("Message to the host (optional)")).to_have_value("Two days to meet robotics firms.")
    jana.get_by_role("button", name="Send the request").click()
    expect(jana.locator("#visit-state")).to_have_text("Requested")
    visit_url = jana.url

    desk = new_page()
    log_in(desk, host, STAFF, then="/staff")
    expect(desk.get_by_role("link", name="Jana Weber", exact=True)).to_be_visible()
    desk.get_by_role("link", name="Approve the visit of Jana Weber…").click()
    desk.get_by_role("button", name="Yes, approve").click()  # the confirmation step
    expect(desk.locator("#visit-state")).to_have_text("Confirmed")
    desk.get_by_role("link", name="Dashboard").first.click()
    expect(desk.get_by_text("No requests are waiting.")).to_be_visible()

    def confirmed():
        """the confirmation reached the member's page"""
        jana.goto(visit_url)
        return jana.locator("#visit-state").inner_text() == "Confirmed"

    wait_for(confirmed, timeout=30)
    with jana.expect_download() as download:
        jana.get_by_role("link", name="Add to my calendar (.ics)").click()
    entry = download.value.path().read_text()
    assert "BEGIN:VEVENT" in entry and "it@cork" in entry
    jana.goto(f"{home.url}/me/visits")
    expect(jana.get_by_role("cell", name="Confirmed")).to_be_visible()
    assert "/calendar/" in jana.get_by_label("Calendar feed").input_value()


def test_a_member_registers_for_a_partners_event(nodes, new_page):
    home, _host = nodes
    jana = new_page()
    log_in(jana, home, MEMBER, then="/search?kind=event")
    jana.get_by_role("link", name="Cork AI meetup").click()
    jana.get_by_role("button", name="Register").click()
    expect(jana.get_by_text("Your registration: Registered.")).to_be_visible()
    expect(jana.get_by_role("button", name="Cancel my registration")).to_be_visible()


def test_a_form_with_bad_input_shows_the_errors_beside_the_fields(nodes, new_page):
    _home, host = nodes
    desk = new_page()
    log_in(desk, host, STAFF, then="/staff/catalogue/desks/new")
    desk.get_by_label("Name").fill("Window desk")
    desk.get_by_label("Seats").fill("0")
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    seats = desk.get_by_label("Seats")
    expect(seats).to_have_attribute("aria-invalid", "true")
    expect(desk.locator("#seats-error")).to_be_visible()
    expect(desk.get_by_label("Name")).to_have_value("Window desk")  # nothing typed is lost


def test_the_network_map_shows_the_member_clusters_and_their_visits(nodes, new_page):
    home, _host = nodes
    visitor = new_page()
    visitor.goto(f"{home.url}/network")
    places = visitor.locator("svg.map g.place text")
    expect(places).to_have_count(2)
    assert sorted(text.strip() for text in places.all_text_contents()) == ["CyberForum", "it@cork"]
    expect(visitor.locator("svg.map line.link")).to_have_count(1)  # the visit approved above
    expect(visitor.locator("#member-clusters")).to_contain_text("Ireland")


def test_pages_follow_the_browser_language_and_the_switch(nodes, new_page):
    home, _host = nodes
    german = new_page(locale="de-DE")
    german.goto(f"{home.url}/network")
    expect(german.get_by_role("heading", level=1)).to_have_text("Das Business-Roaming-Netzwerk")
    german.get_by_label("Sprache").select_option("fr")
    german.get_by_role("button", name="Ändern").click()
    expect(german.get_by_role("heading", level=1)).to_have_text("Le réseau Business Roaming")
    expect(german.locator("#member-clusters")).to_contain_text("Irlande")


def test_an_admin_enables_a_plugin_and_its_service_appears_at_the_partner(nodes, new_page):
    home, host = nodes
    admin = new_page()
    log_in(admin, host, host.admin_email, host.admin_password, then="/admin/plugins")
    admin.locator("#plugin-makerspace").get_by_role("button", name="Enable").click()
    expect(admin.locator("#plugin-makerspace")).to_contain_text("enabled, starts at the next restart")
    host.stop()
    host.start()
    log_in(admin, host, host.admin_email, host.admin_password, then="/makerspace/equipment")
    admin.get_by_label("Name").fill("Laser cutter")
    admin.get_by_role("button", name="Add").click()
    expect(admin.get_by_text("Laser cutter").first).to_be_visible()
    assert home.cli("sync").returncode == 0

    jana = new_page()
    log_in(jana, home, MEMBER, then="/search?kind=service")
    expect(jana.get_by_role("heading", name=re.compile("Makerspace|Laser", re.I)).first).to_be_visible()
