"""Real headless Chromium (Debian's, at /usr/bin/chromium) driven through Playwright, and two
running nodes to drive it against. Without the browser the browser tests are skipped, except in
CI (``CI`` set), where that is a failure."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

from roaming.accounts.models import Role
from roaming.accounts.operations import create_user
from roaming.catalogue.models import Desk, Location
from roaming.catalogue.operations import create_item, save_profile
from roaming.db import session
from roaming.members.models import MemberCompany, Person
from tests.support.visits import add_event, home_and_host, vary_terms

BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("ROAMING_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("No Chromium for the browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=BROWSER_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (own cookies), closed at the end of the test."""
    contexts = []

    def make(locale: str = "en-GB", **options):
        context = browser.new_context(locale=locale, accept_downloads=True, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


PASSWORD = "correct horse battery staple"
MEMBER = "jana.weber@datenwerk.example"
STAFF = "desk@itcork.example"


WEEKDAYS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def _place(node, name: str, city: str, country: str, zone: str, latitude: float, longitude: float) -> int:
    """The cluster's profile and its hub (with coordinates, open on weekdays); returns the hub's id."""
    with node.app_context():
        save_profile({"name": name, "country": country, "city": city, "sectors": [], "languages": ["en"]})
        hub = create_item(
            Location,
            {
                "name": f"{name} hub",
                "address": "Main street 1",
                "city": city,
                "country": country,
                "timezone": zone,
                "latitude": latitude,
                "longitude": longitude,
                "opening_hours": WEEKDAYS,
            },
        )
        return hub.id


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    with home_and_host(tmp_path_factory.mktemp("journeys")) as (home, host):
        _place(home, "CyberForum", "Karlsruhe", "DE", "Europe/Berlin", 49.0069, 8.4037)
        hub = _place(host, "it@cork", "Cork", "IE", "Europe/Dublin", 51.8985, -8.4756)
        with host.app_context():
            create_item(Desk, {"name": "Harbour desk", "seats": 2, "location_id": hub})
        add_event(host, seats=5, title="Cork AI meetup", rate=None)
        vary_terms(host, home, desk_confirmation="approval")
        with home.app_context():
            company = MemberCompany(name="Datenwerk GmbH", country="DE")
            session.add(company)
            session.flush()
            person = Person(company_id=company.id, name="Jana Weber", email=MEMBER)
            session.add(person)
            session.commit()
            create_user(email=MEMBER, name="Jana Weber", role=Role.MEMBER, person_id=person.id, password=PASSWORD)
        with host.app_context():
            create_user(email=STAFF, name="Cork desk", role=Role.HOST_STAFF, password=PASSWORD)
        assert home.cli("sync").returncode == 0
        yield home, host


def log_in(page, node, email: str, password: str = PASSWORD, then: str = "/") -> None:
    page.goto(f"{node.url}/login?next={then}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()
