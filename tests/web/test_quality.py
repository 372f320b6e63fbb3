"""The main pages in Chromium: no serious or critical accessibility violations (axe-core), no
sideways scrolling on a phone, and no page heavier than a few hundred kilobytes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from roaming.accounts.models import User
from roaming.accounts.operations import issue_token
from roaming.db import session
from roaming.peers.models import MirroredItem
from roaming.visits.hosting import list_hosted
from tests.support.nodes import wait_for
from tests.support.visits import next_monday, node_id_of, plan
from tests.web.conftest import MEMBER, STAFF, log_in

pytestmark = pytest.mark.one_database(reason="accessibility and layout of the pages")

MAX_PAGE_BYTES = 300_000
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def visit_uid(nodes) -> str:
    """A request of the member's, waiting for the host's staff: for the pages of one visit."""
    home, host = nodes
    with home.app_context():
        desk_uid = session.scalar(select(MirroredItem.uid).where(MirroredItem.kind == "desk"))
        member = session.scalar(select(User).where(User.email == MEMBER))
        _, token = issue_token(member, "quality", 1)
        session.commit()
    body = plan(host, desk_uid, next_monday(5), message="A quiet desk, please.")
    answer = requests.post(
        f"{home.url}/api/visits", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    uid = answer.json()["visit_id"]

    def arrived():
        """the host has the request"""
        with host.app_context():
            return any(visit.uid == uid for visit in list_hosted())

    wait_for(arrived, timeout=30)
    return uid


def _pages(home, host, visit_uid: str) -> dict[str, list[str]]:
    """Who looks at what: anonymous visitors, the member at home, the staff and admin at the host."""
    host_id, monday = node_id_of(host), next_monday(3)
    with home.app_context():
        desk_uid, event_uid = (
            session.scalar(select(MirroredItem.uid).where(MirroredItem.kind == kind)) for kind in ("desk", "event")
        )
    return {
        "anonymous": [
            f"{home.url}/",
            f"{home.url}/login",
            f"{home.url}/password/forgot",
            f"{home.url}/network",
            f"{home.url}/network/newsletter",
        ],
        "member": [
            f"{home.url}/search?kind=desk",
            f"{home.url}/search?first_day={monday}&last_day={monday + timedelta(days=2)}&people=1",
            f"{home.url}/clusters/{host_id}",
            f"{home.url}/clusters/{host_id}/desks/{desk_uid}",
            f"{home.url}/clusters/{host_id}/desks/{desk_uid}?first={monday}",  # a first day picked
            f"{home.url}/visits/new?host={host_id}&desk={desk_uid}&first_day={monday}&last_day={monday}",
            f"{home.url}/visits/new?host={host_id}&desk={desk_uid}",  # no dates yet: the calendar to pick on
            f"{home.url}/clusters/{host_id}/events/{event_uid}",
            f"{home.url}/me/visits",
            f"{home.url}/me/password",
            f"{home.url}/me/visits/{visit_uid}",
        ],
        "staff": [
            f"{host.url}/staff",
            f"{host.url}/staff/catalogue",
            f"{host.url}/staff/catalogue/events/new",
            f"{host.url}/staff/members",
            f"{host.url}/staff/partners",
            f"{host.url}/staff/attention",
            f"{host.url}/staff/ledger",
            f"{host.url}/staff/outcomes",
            f"{host.url}/host/visits/{visit_uid}",
            f"{host.url}/host/visits/{visit_uid}?decision=approve",
            f"{host.url}/host/visits/{visit_uid}?decision=decline",
            f"{host.url}/host/visits/{visit_uid}?decision=cancel",
        ],
        "admin": [f"{host.url}/admin/plugins"],
    }


def _size(response) -> int:
    return 0 if 300 <= response.status < 400 else len(response.body())


def _signed_in(new_page, who: str, home, host, **options):
    page = new_page(**options)
    if who == "member":
        log_in(page, home, MEMBER)
    elif who == "staff":
        log_in(page, host, STAFF)
    elif who == "admin":
        log_in(page, host, host.admin_email, host.admin_password)
    return page


@pytest.mark.parametrize("who", ["anonymous", "member", "staff", "admin"])
def test_main_pages_have_no_serious_accessibility_violations_and_stay_light(nodes, new_page, visit_uid, who):
    home, host = nodes
    page = _signed_in(new_page, who, home, host)
    axe, problems, sizes = Axe(), [], []
    page.on("response", lambda response: sizes.append(_size(response)))
    for url in _pages(home, host, visit_uid)[who]:
        sizes.clear()
        response = page.goto(url)
        assert response.status == 200, url
        assert sum(sizes) < MAX_PAGE_BYTES, f"{url}: {sum(sizes)} bytes with what it loads"
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{url}: {violation['id']} ({violation['impact']}) {violation['help']} at {targets}")
    assert problems == []


@pytest.mark.parametrize("who", ["anonymous", "member", "staff"])
def test_pages_fit_a_phone_screen(nodes, new_page, visit_uid, who):
    home, host = nodes
    page = _signed_in(new_page, who, home, host, viewport=PHONE, is_mobile=True, has_touch=True)
    for url in _pages(home, host, visit_uid)[who]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"


def test_error_pages_have_no_serious_accessibility_violations(nodes, new_page):
    """The pages a browser gets for a refusal or a missing page, in the node's layout."""
    home, _host = nodes
    page = _signed_in(new_page, "member", home, _host)
    problems = []
    for url, status in ((f"{home.url}/nowhere", 404), (f"{home.url}/staff", 403)):
        response = page.goto(url)
        assert response.status == status and page.locator("h1").count() == 1, url
        problems += [
            f"{url}: {violation['id']} ({violation['impact']})"
            for violation in Axe().run(page).response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
    assert problems == []
