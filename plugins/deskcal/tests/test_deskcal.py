"""The deskcal plugin on real nodes: the host's desk calendar (an iCalendar feed on loopback,
with a recurring event) makes those days unavailable to a partner's visitor, named in the quote
and refused in the request; other days can still be booked. A feed that fails keeps what was
known."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from flask import Flask, Response

from tests.support.server import LoopbackServer
from tests.support.visits import add_desk, add_member, home_and_host, next_monday, plan

pytestmark = pytest.mark.each_database


def _feed(tuesday, thursday) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cork booking//EN\r\n"
        "BEGIN:VEVENT\r\nUID:board@itcork\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{tuesday:%Y%m%d}\r\nDTEND;VALUE=DATE:{tuesday + timedelta(days=1):%Y%m%d}\r\n"
        "SUMMARY:Board meeting\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:workshop@itcork\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:{thursday:%Y%m%d}T090000Z\r\nDTEND:{thursday:%Y%m%d}T120000Z\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:Workshop\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


def test_busy_days_in_the_desk_calendar_are_refused_to_partners(tmp_path):
    monday = next_monday()
    tuesday, thursday = monday + timedelta(days=1), monday + timedelta(days=3)
    calendar = Flask("booking-tool")
    serving = {"up": True}

    @calendar.get("/desk.ics")
    def desk_feed():
        if not serving["up"]:
            return "down for maintenance", 503
        return Response(_feed(tuesday, thursday), mimetype="text/calendar")

    with LoopbackServer(calendar) as tool, home_and_host(tmp_path) as (home, host):
        visitor, _ = add_member(home, "ana@datenwerk.example")
        desk = add_desk(host, seats=2)
        assert host.cli("plugins", "enable", "deskcal").returncode == 0
        with (host.instance / "roaming.toml").open("a") as config:
            config.write(f'\n[deskcal.feeds]\n"{desk}" = "{tool.url}/desk.ics"\n')
        host.stop()
        host.start()
        refreshed = host.cli("deskcal", "refresh")
        assert f"{desk}: 3 busy day(s)" in refreshed.stdout, refreshed.stdout + refreshed.stderr

        week = plan(host, desk, monday, monday + timedelta(days=4))
        quote = requests.post(f"{home.url}/api/visits/quote", json=week, headers=visitor, timeout=30).json()
        assert quote["problems"]["first_day"] == [
            f"Harbour desk has no free seat for 1 on {tuesday.isoformat()}, {thursday.isoformat()}."
        ]
        refused = requests.post(f"{home.url}/api/visits", json=week, headers=visitor, timeout=30)
        assert refused.status_code == 422, refused.text
        booked = requests.post(f"{home.url}/api/visits", json=plan(host, desk, monday), headers=visitor, timeout=30)
        assert booked.status_code == 201, booked.text

        serving["up"] = False
        failing = host.cli("deskcal", "refresh")
        assert "failed (HTTPError" in failing.stdout and "keeping 3 known busy day(s)" in failing.stdout
        status = host.cli("deskcal", "status")
        assert "3 busy day(s); failing since" in status.stdout
        again = requests.post(f"{home.url}/api/visits/quote", json=week, headers=visitor, timeout=30).json()
        assert tuesday.isoformat() in again["problems"]["first_day"][0]
