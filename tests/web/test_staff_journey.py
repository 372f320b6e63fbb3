"""Host staff's journey in a real browser, across two running nodes: Ana of CyberForum (Karlsruhe)
asks it@cork (Cork) for a desk and the makerspace's laser cutter; the host's staff log in and land
on their dashboard, see the request at a glance, open it, see everything it asks, approve it (a
confirmation step, a message, the new state), check Ana in, and decline another request with a
reason; two staff deciding the same request at once: the second is told, with 409, that the first
was quicker.

Each journey runs in English and in German. The German run asserts on what the page is (ids,
states, the visitor's own words, localised dates and countries), not on the words of the pages,
which the translators may still be adding.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from roaming.accounts.models import Role
from roaming.accounts.operations import create_user
from roaming.visits import hosting
from tests.support.nodes import running_node, wait_for
from tests.support.visits import ALL_WEEK, add_desk, add_member, plan, vary_terms
from tests.web.conftest import PASSWORD, STAFF

pytestmark = pytest.mark.one_database(reason="host staff's path through the pages in a browser")

DUBLIN = ZoneInfo("Europe/Dublin")  # the zone of the host's desk (add_desk)
COLLEAGUE = "front@itcork.example"
VISITOR = "ana@datenwerk.example"
LOCALES = ["en-GB", "de-DE"]
TIMEOUT = 30
RAW_MOMENT = re.compile(r"\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d")  # a time with seconds, an ISO date


@contextmanager
def _home_and_host(folder):
    """CyberForum and it@cork, trusting each other; the host's clock ticks rarely, so that a day
    booked today is not released as a no-show while the staff are still checking Ana in."""
    with (
        running_node(folder, "CyberForum", "DE") as home,
        running_node(folder, "it@cork", "IE", visit_clock_seconds=3600) as host,
    ):
        home.trust(host)
        host.trust(home)
        yield home, host


@pytest.fixture(scope="module")
def cork(tmp_path_factory):
    """The host with a desk open every day, the makerspace enabled with a laser cutter, two staff,
    terms that ask staff to approve; the home with Ana, who has seen the host's catalogue."""
    with _home_and_host(tmp_path_factory.mktemp("staff")) as (home, host):
        desk = add_desk(host, seats=6, opening_hours=ALL_WEEK)
        vary_terms(host, home, desk_confirmation="approval")
        visitor, _company = add_member(home, VISITOR)
        with host.app_context():
            for email, name in ((STAFF, "Cork desk"), (COLLEAGUE, "Cork front desk")):
                create_user(email=email, name=name, role=Role.HOST_STAFF, password=PASSWORD)
        enabled = host.cli("plugins", "enable", "makerspace")
        assert enabled.returncode == 0, enabled.stderr
        added = host.cli("makerspace", "add", "Laser cutter")
        assert added.returncode == 0, added.stderr + added.stdout
        host.stop()
        host.start()
        assert home.cli("sync").returncode == 0

        def makerspace_offered():
            """the home sees the makerspace service with its options"""
            found = requests.get(
                f"{home.url}/api/federation/search",
                params={"service_kind": "makerspace"},
                headers=visitor,
                timeout=TIMEOUT,
            ).json()
            return [result["item"]["uid"] for result in found if result["item"]["request_options"]]

        service = wait_for(makerspace_offered, timeout=60)[0]
        machine = re.search(r"\(([0-9a-f-]{36})\)", added.stdout).group(1)
        yield SimpleNamespace(home=home, host=host, desk=desk, visitor=visitor, service=service, machine=machine)


def _ask(cork, first, last, **extra) -> str:
    """Ana asks for the desk through her home node; returns the visit's id once the host has it."""
    body = plan(cork.host, cork.desk, first, last, **extra)
    answer = requests.post(f"{cork.home.url}/api/visits", json=body, headers=cork.visitor, timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text
    uid = answer.json()["visit_id"]

    def arrived():
        """the host has the request"""
        with cork.host.app_context():
            return any(visit.uid == uid for visit in hosting.list_hosted())

    wait_for(arrived, timeout=TIMEOUT)
    return uid


def _log_in(page, node, email: str) -> None:
    """Log in without a ``next``, in any language (by the fields' ids, not their labels)."""
    page.goto(f"{node.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def _today():
    return datetime.now(DUBLIN).date()


@pytest.mark.parametrize("locale", LOCALES)
def test_host_staff_see_the_request_approve_check_in_and_decline_another(cork, new_page, locale):
    english = locale == "en-GB"
    today, host = _today(), cork.host
    booking = {"equipment": cork.machine, "day": today.isoformat(), "start": 10 if english else 13, "hours": 2}
    message = "Zwei Tage, um Robotikfirmen zu treffen." if not english else "Two days to meet robotics firms."
    asked = _ask(
        cork,
        today,
        today + timedelta(days=1),
        message=message,
        services=[cork.service],
        service_options={cork.service: booking},
    )
    other = _ask(cork, today + timedelta(days=14), today + timedelta(days=14))

    desk = new_page(locale=locale)
    _log_in(desk, host, STAFF)
    expect(desk).to_have_url(f"{host.url}/staff")  # staff land on their dashboard
    expect(desk.locator("nav a[href='/makerspace/equipment']")).to_be_visible()  # the plugin's page in the menu

    glance = desk.locator(f"#pending-{asked}")  # the request at a glance
    for seen in ("Ana", "Datenwerk GmbH", "CyberForum", "Makerspace equipment", "Laser cutter"):
        expect(glance).to_contain_text(seen)
    if english:
        expect(glance).to_contain_text("2 of 5 free days")
    glance.locator(f"a[href='/host/visits/{asked}']").click()

    state = desk.locator("#visit-state")
    expect(state).to_have_attribute("data-state", "requested")
    who = desk.locator("#visit-visitor")
    for seen in (VISITOR, "Datenwerk GmbH", "CyberForum", "Germany" if english else "Deutschland"):
        expect(who).to_contain_text(seen)
    expect(desk.locator("#visit-days tbody tr")).to_have_count(2)
    expect(desk.locator("#visit-days tbody tr").first).to_have_attribute("data-status", "booked")
    expect(desk.locator("#visit-services")).to_contain_text("Laser cutter")  # the option by its name
    expect(desk.locator("#visit-message")).to_have_text(message)
    expect(desk.locator("#visit-deadline")).not_to_be_empty()
    expect(desk.locator("#visit-free-days")).to_contain_text("2")
    expect(desk.locator("#visit-history li")).to_have_count(1)
    assert not RAW_MOMENT.search(desk.locator("main").inner_text())  # dates and times for people

    desk.locator("#action-approve").click()
    expect(desk.locator("#confirm")).to_be_visible()
    expect(state).to_have_attribute("data-state", "requested")  # nothing changes before confirming
    desk.locator("#confirm-button").click()
    expect(desk.locator(".flash.ok")).to_be_visible()
    if english:
        expect(desk.locator(".flash.ok")).to_have_text("You approved the visit of Ana; they are told.")
    expect(state).to_have_attribute("data-state", "confirmed")

    desk.locator("#action-check_in").click()
    expect(desk.locator("#confirm")).to_be_visible()
    desk.locator("#confirm-button").click()
    expect(desk.locator(".flash.ok")).to_be_visible()
    expect(state).to_have_attribute("data-state", "checked_in")
    expect(desk.locator(f"#visit-days tr[data-day='{today.isoformat()}']")).to_have_attribute(
        "data-status", "checked_in"
    )

    desk.locator("nav a[href='/staff']").click()
    desk.locator(f"#pending-{other} a[href*='decision=decline']").click()
    desk.locator("#reason").fill("Fully booked by a conference.")
    desk.locator("#confirm-button").click()
    expect(desk.locator(".flash.ok")).to_be_visible()
    expect(state).to_have_attribute("data-state", "declined")
    expect(desk.locator("#visit-reason")).to_have_text("Fully booked by a conference.")
    expect(desk.locator("#visit-actions")).to_have_count(0)  # nothing left to decide


@pytest.mark.parametrize("locale", LOCALES)
def test_two_staff_deciding_at_once_the_second_is_told_the_first_was_quicker(cork, new_page, locale):
    uid = _ask(cork, _today() + timedelta(days=21), _today() + timedelta(days=21))
    review = f"{cork.host.url}/host/visits/{uid}"
    first, second = new_page(locale=locale), new_page(locale=locale)
    _log_in(first, cork.host, STAFF)
    _log_in(second, cork.host, COLLEAGUE)
    first.goto(f"{review}?decision=approve")
    second.goto(f"{review}?decision=decline")
    second.locator("#reason").fill("No room that day.")

    first.locator("#confirm-button").click()
    expect(first.locator("#visit-state")).to_have_attribute("data-state", "confirmed")
    with second.expect_response(lambda response: response.request.method == "POST") as answer:
        second.locator("#confirm-button").click()
    assert answer.value.status == 409
    expect(second.locator("#visit-error")).to_be_visible()
    if locale == "en-GB":
        expect(second.locator("#visit-error")).to_have_text("The visit is confirmed; it cannot become declined.")
    expect(second.locator("#visit-state")).to_have_attribute("data-state", "confirmed")  # as it is now
    expect(second.locator("#confirm")).to_have_count(0)
