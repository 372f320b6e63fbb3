"""Event registrations across two real nodes: seats at member rate, the waiting list, promotion on
cancellation (exactly once, even when cancellations race), e-mails with calendar entries, and the
signed event-seat receipt once the event is over."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from roaming.db import session, utcnow
from roaming.events import clock as events_clock
from roaming.events.models import EventSeat, Registration
from tests.support.nodes import wait_for
from tests.support.postgres import fresh_database
from tests.support.visits import add_event, add_members, body_text, home_and_host, mails_to, node_id_of

pytestmark = pytest.mark.one_database(reason="races each database by its parameter")

TIMEOUT = 60


@pytest.fixture(params=["sqlite", "postgresql"])
def host_database(request, tmp_path):
    """The host's database, named whatever the suite's pass: a SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'host.db'}"
        return
    with fresh_database() as url:
        yield url


def _register(home, host, headers, event):
    body = {"host": node_id_of(host), "event": event}
    return requests.post(f"{home.url}/api/registrations", json=body, headers=headers, timeout=TIMEOUT)


def _states(node, event):
    with node.app_context():
        rows = session.scalars(select(Registration).where(Registration.event_uid == event).order_by(Registration.id))
        return [(row.visitor.get("email"), row.state.value, row.waitlist_position) for row in rows]


def test_waiting_list_is_promoted_once_under_racing_cancellations(tmp_path, host_database):
    with home_and_host(tmp_path, host_database=host_database) as (home, host):
        event = add_event(host, seats=2)
        people = add_members(home, 5, company="Eventful GmbH")
        answers = [_register(home, host, headers, event) for headers in people]
        assert [a.status_code for a in answers] == [201] * 5, answers[-1].text
        assert [a.json()["state"] for a in answers] == ["registered"] * 2 + ["waitlisted"] * 3
        assert [a.json()["waitlist_position"] for a in answers[2:]] == [1, 2, 3]
        assert answers[0].json()["price"] == {"amount": 1500, "currency": "EUR", "note": "member rate"}

        again = requests.post(
            f"{home.url}/api/registrations",
            json={"host": node_id_of(host), "event": event, "registration_id": answers[0].json()["registration_id"]},
            headers=people[0],
            timeout=TIMEOUT,
        )
        assert again.status_code == 200 and again.json()["state"] == "registered"  # same id: not twice

        # both seat holders cancel, each from five threads at once
        def cancel(index):
            uid = answers[index].json()["registration_id"]
            url = f"{home.url}/api/registrations/{uid}/cancel"
            return requests.post(url, headers=people[index], timeout=TIMEOUT).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(cancel, [0, 1] * 5))
        assert set(statuses) <= {200, 409}, statuses

        def host_settled():
            """the host promoted the first two waiting and renumbered the third"""
            states = _states(host, event)
            return [s[1:] for s in states] == [
                ("cancelled", None),
                ("cancelled", None),
                ("registered", None),
                ("registered", None),
                ("waitlisted", 1),
            ] and states

        wait_for(host_settled)
        with host.app_context():
            assert session.scalar(select(func.count()).select_from(EventSeat)) == 2
            history = session.scalars(select(Registration.history).order_by(Registration.id)).all()
        assert [entry["state"] for entry in history[2]] == ["requested", "waitlisted", "registered"]  # promoted once

        wait_for(lambda: [s[1:] for s in _states(home, event)] == [s[1:] for s in _states(host, event)])

        def promotion_mail():
            """the promoted visitor was told, with the calendar entry"""
            told = [m for m in mails_to(home, "visitor2@crowd.example") if "You have a seat at" in body_text(m)]
            return told and told[-1]

        last = wait_for(promotion_mail)
        assert "Cork AI meetup" in last["Subject"]
        calendar = next(part for part in last.iter_attachments() if part.get_filename() == "event.ics")
        assert "STATUS:CONFIRMED" in calendar.get_content()


def test_a_full_event_waitlists_and_the_seat_receipt_follows_the_event(tmp_path):
    with home_and_host(tmp_path) as (home, host):
        event = add_event(host, seats=1, title="Founders breakfast", rate=None)
        first, second = add_members(home, 2, company="Breakfast GmbH")
        seated = _register(home, host, first, event).json()
        waiting = _register(home, host, second, event).json()
        assert seated["state"] == "registered" and seated["price"]["amount"] == 0
        assert waiting["state"] == "waitlisted" and waiting["waitlist_position"] == 1
        twice = _register(home, host, first, event)
        assert twice.status_code == 409 and "registered for Founders breakfast already" in twice.json()["message"]

        with host.app_context():
            assert events_clock.close_finished(utcnow() + timedelta(days=30)) == 2

        def home_has_the_receipt():
            """the home node holds the host's signed event-seat receipt"""
            with home.app_context():
                from roaming.ledger.models import Receipt

                return session.scalar(select(Receipt).where(Receipt.subject == seated["registration_id"]))

        receipt = wait_for(home_has_the_receipt)
        assert receipt.kind == "event_seat" and receipt.event_seats == 1
        wait_for(lambda: [s[1] for s in _states(home, event)] == ["attended", "missed"])
