"""What visitors and host staff get, on real nodes with a real SMTP server: e-mails with calendar
entries, the personal calendar feed, the check-in page, partial and host cancellations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.support.nodes import wait_for
from tests.support.smtp import SmtpServer
from tests.support.visits import (
    ALL_WEEK,
    add_desk,
    add_member,
    add_staff,
    home_and_host,
    next_monday,
    plan,
    vary_terms,
)

pytestmark = pytest.mark.each_database

TIMEOUT = 30


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with SmtpServer() as smtp:
        mail = {"mail_server": "127.0.0.1", "mail_port": smtp.port}
        with home_and_host(tmp_path_factory.mktemp("experience"), home_settings=mail, host_settings=mail) as nodes:
            yield (*nodes, smtp.inbox)


def _state(node, headers, uid):
    return requests.get(f"{node.url}/api/visits/{uid}", headers=headers, timeout=TIMEOUT).json()


def test_staff_get_a_decision_mail_and_the_visitor_a_calendar_entry_by_smtp(world):
    home, host, inbox = world
    vary_terms(host, home, desk_confirmation="approval")
    visitor, _ = add_member(home, "jo@datenwerk.example")
    staff = add_staff(host, "decide@itcork.example")
    desk = add_desk(host, name="Mailed desk")
    monday = next_monday()
    uid = requests.post(
        f"{home.url}/api/visits", json=plan(host, desk, monday), headers=visitor, timeout=TIMEOUT
    ).json()["visit_id"]

    (request_mail,) = inbox.wait_for("decide@itcork.example")
    assert "please decide" in request_mail["Subject"]
    text = request_mail.get_body(("plain",)).get_content()
    assert (
        f"{host.url}/host/visits/{uid}?decision=approve" in text
        and "?decision=decline" in text
        and "Jo <jo@datenwerk.example>, Datenwerk GmbH (Germany), CyberForum" in text
    )

    assert requests.post(f"{host.url}/api/visits/{uid}/approve", headers=staff, timeout=TIMEOUT).status_code == 200
    wait_for(lambda: [m for m in inbox.to("jo@datenwerk.example") if "confirmed" in m["Subject"]])
    confirmation = next(m for m in inbox.to("jo@datenwerk.example") if "confirmed" in m["Subject"])
    calendar = next(part for part in confirmation.iter_attachments() if part.get_content_type() == "text/calendar")
    assert f"UID:{uid}-{monday:%Y%m%d}@roaming" in calendar.get_content()
    html = confirmation.get_body(("html",)).get_content()
    assert 'src="data:image/png;base64,' in html and "/checkin/" in html  # the check-in QR code


def test_the_calendar_feed_follows_the_visit(world):
    home, host, _inbox = world
    vary_terms(host, home, desk_confirmation="instant")
    visitor, _ = add_member(home, "kai@datenwerk.example")
    desk = add_desk(host, name="Feed desk")
    monday = next_monday(2)
    uid = requests.post(
        f"{home.url}/api/visits",
        json=plan(host, desk, monday, monday + timedelta(days=1)),
        headers=visitor,
        timeout=TIMEOUT,
    ).json()["visit_id"]
    feed = requests.get(f"{home.url}/api/visits/calendar-feed", headers=visitor, timeout=TIMEOUT).json()
    assert feed["webcal_url"].startswith("webcal://")
    calendar = requests.get(feed["url"], timeout=TIMEOUT)
    assert calendar.headers["Content-Type"].startswith("text/calendar")
    assert calendar.text.count("STATUS:CONFIRMED") == 2

    one_day = requests.post(
        f"{home.url}/api/visits/{uid}/cancel", json={"days": [monday.isoformat()]}, headers=visitor, timeout=TIMEOUT
    )
    assert one_day.status_code == 200 and one_day.json()["state"] == "confirmed"
    assert [day["status"] for day in one_day.json()["days"]] == ["cancelled", "booked"]
    calendar = requests.get(feed["url"], timeout=TIMEOUT).text
    assert calendar.count("STATUS:CANCELLED") == 1 and calendar.count("STATUS:CONFIRMED") == 1

    renewed = requests.post(f"{home.url}/api/visits/calendar-feed", headers=visitor, timeout=TIMEOUT).json()
    assert requests.get(feed["url"], timeout=TIMEOUT).status_code == 404
    assert requests.get(renewed["url"], timeout=TIMEOUT).status_code == 200


def test_check_in_by_the_personal_link_and_a_host_cancellation(world):
    home, host, inbox = world
    vary_terms(host, home, desk_confirmation="instant", checkin_by="23:59")
    visitor, _ = add_member(home, "lea@datenwerk.example")
    staff = add_staff(host, "reception@itcork.example")
    desk = add_desk(host, name="Open desk", opening_hours=ALL_WEEK)
    today = datetime.now(UTC).date()
    uid = requests.post(
        f"{home.url}/api/visits",
        json=plan(host, desk, today, today + timedelta(days=1)),
        headers=visitor,
        timeout=TIMEOUT,
    ).json()["visit_id"]
    link = _state(home, visitor, uid)["resource"]["checkin_url"]
    assert link.startswith(f"{host.url}/checkin/")

    browser = requests.Session()  # the visitor's phone: no account at the host
    page = browser.get(link, timeout=TIMEOUT)
    assert page.status_code == 200 and "<svg" in page.text and "Check in for today" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    checked = browser.post(link, data={"csrf_token": token}, timeout=TIMEOUT)
    assert checked.status_code == 200 and "checked in" in checked.text
    wait_for(lambda: _state(home, visitor, uid)["state"] == "checked_in")
    assert browser.post(link, data={}, timeout=TIMEOUT).status_code == 409  # no CSRF token: refused

    refused = requests.post(f"{host.url}/api/visits/{uid}/cancel", json={}, headers=staff, timeout=TIMEOUT)
    assert refused.status_code == 422 and "reason" in str(refused.json()["errors"])
    tomorrow = (today + timedelta(days=1)).isoformat()
    cancelled = requests.post(
        f"{host.url}/api/visits/{uid}/cancel",
        json={"days": [tomorrow], "reason": "The building is closed for a fire drill."},
        headers=staff,
        timeout=TIMEOUT,
    )
    assert cancelled.status_code == 200, cancelled.text

    def told():
        """the visitor's copy shows the host's cancellation of tomorrow"""
        days = _state(home, visitor, uid)["days"]
        return [day["status"] for day in days] == ["checked_in", "cancelled"]

    wait_for(told)
    assert _state(home, visitor, uid)["history"][-1]["note"] == "The building is closed for a fire drill."
    changed = wait_for(lambda: [m for m in inbox.to("lea@datenwerk.example") if "has changed" in m["Subject"]])
    written = datetime.fromisoformat(tomorrow).strftime("%b %-d, %Y")  # the e-mail's language: English
    assert f"{written} (cancelled)" in changed[-1].get_body(("plain",)).get_content()
