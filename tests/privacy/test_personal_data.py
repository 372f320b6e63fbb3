"""Personal data on two real nodes: a person's export holds everything about them; erasure
removes them at home and at the host, keeping only the anonymised ledger rows; hosts wipe
visitor details after the retention period; staff reads and changes are audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from roaming.audit.operations import audit_trail
from roaming.db import session, utcnow
from roaming.events.models import Registration
from roaming.ledger.models import Receipt
from roaming.members.models import Person
from roaming.notify.models import Notification
from roaming.privacy import operations as privacy
from roaming.visits.models import Visit
from tests.support.nodes import wait_for
from tests.support.visits import (
    add_desk,
    add_event,
    add_member,
    add_staff,
    check_in_days,
    complete_due,
    home_and_host,
    next_monday,
    node_id_of,
    plan,
)

pytestmark = pytest.mark.each_database

TIMEOUT = 30


def _visit(home, host, visitor, desk, day):
    answer = requests.post(f"{home.url}/api/visits", json=plan(host, desk, day), headers=visitor, timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text
    return answer.json()["visit_id"]


def _login(node, email, password):
    client = requests.Session()
    answer = client.post(f"{node.url}/api/auth/login", json={"email": email, "password": password}, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return client


def test_export_then_erasure_everywhere_but_the_anonymised_ledger(tmp_path):
    with home_and_host(tmp_path) as (home, host):
        visitor, _ = add_member(home, "noor@datenwerk.example")
        staff = add_staff(host)
        desk = add_desk(host, seats=2)
        monday = next_monday()
        done = _visit(home, host, visitor, desk, monday)
        requests.post(f"{host.url}/api/visits/{done}/approve", headers=staff, timeout=TIMEOUT).raise_for_status()
        check_in_days(host, done, [monday])
        complete_due(host, monday + timedelta(days=1))
        upcoming = _visit(home, host, visitor, desk, monday + timedelta(days=7))
        event = add_event(host, seats=5)
        body = {"host": node_id_of(host), "event": event}
        assert requests.post(f"{home.url}/api/registrations", json=body, headers=visitor, timeout=TIMEOUT).ok
        wait_for(lambda: requests.get(f"{home.url}/api/visits/{done}", headers=visitor).json()["state"] == "completed")

        export = requests.get(f"{home.url}/api/me/data", headers=visitor, timeout=TIMEOUT)
        assert export.status_code == 200
        data = export.json()
        assert data["person"]["email"] == "noor@datenwerk.example" and data["company"]["name"] == "Datenwerk GmbH"
        assert {v["visit_id"] for v in data["visits"]} == {done, upcoming}
        assert data["visits"][0]["shared_with_host"]["email"] == "noor@datenwerk.example"
        assert len(data["event_registrations"]) == 1 and data["emails"]
        assert data["audit"][0]["action"] == "person.export"

        # host staff look at the visitor: the host's audit trail says who and when
        requests.get(f"{host.url}/api/visits/{upcoming}", headers=staff, timeout=TIMEOUT).raise_for_status()

        refused = requests.post(f"{home.url}/api/me/erase", json={"confirm": "yes"}, headers=visitor, timeout=TIMEOUT)
        assert refused.status_code == 422 and "erase" in refused.json()["errors"]["json"]["confirm"][0]
        erased = requests.post(f"{home.url}/api/me/erase", json={"confirm": "erase"}, headers=visitor, timeout=TIMEOUT)
        assert erased.status_code == 200, erased.text
        assert erased.json()["visits_anonymised"] == 2 and erased.json()["partners_told"] == 1
        assert requests.get(f"{home.url}/api/me/data", headers=visitor, timeout=TIMEOUT).status_code == 401

        with home.app_context():
            assert session.scalar(select(Person).where(Person.email == "noor@datenwerk.example")) is None
            assert session.scalar(select(func.count()).where(Notification.recipient_email.contains("noor"))) == 0
            for visit in session.scalars(select(Visit)):
                assert visit.person_id is None and "noor" not in str(visit.visitor).lower()
            receipts_home = session.scalar(select(func.count()).select_from(Receipt))

        def host_forgot_the_visitor():
            """the host wiped the visitor's details from its visits and registrations"""
            with host.app_context():
                rows = [*session.scalars(select(Visit)), *session.scalars(select(Registration))]
                return rows and all("noor" not in str(row.visitor).lower() for row in rows)

        wait_for(host_forgot_the_visitor)
        with host.app_context():
            assert (
                session.scalar(select(func.count()).select_from(Receipt)) == receipts_home == 2
            )  # confirmed, completed
            hosted = session.scalars(select(Visit)).all()
            assert all(visit.visitor["company"]["name"] == "Datenwerk GmbH" for visit in hosted)
            trail = [(entry.action, entry.subject) for entry in audit_trail()]
        assert ("visit.read", f"visit:{upcoming}") in trail and ("visit.approve", f"visit:{done}") in trail
        assert any(action == "person.erase" for action, _ in trail)

        admin = _login(home, home.admin_email, home.admin_password)
        audit = admin.get(f"{home.url}/api/privacy/audit", timeout=TIMEOUT).json()
        assert [entry["action"] for entry in audit][:2] == ["person.erase", "person.export"]


def test_hosts_keep_visitor_details_only_for_the_retention_period(tmp_path):
    with home_and_host(tmp_path) as (home, host):
        visitor, _ = add_member(home, "olek@datenwerk.example")
        desk = add_desk(host)
        _visit(home, host, visitor, desk, next_monday())
        with host.app_context():
            assert privacy.apply_retention(now=utcnow() + timedelta(days=300)) == 0
            assert privacy.apply_retention(now=utcnow() + timedelta(days=400)) == 1
            [visit] = session.scalars(select(Visit)).all()
            assert visit.visitor == {"erased": True, "company": {"name": "Datenwerk GmbH", "country": "DE"}}
            assert visit.checkin_token is None
            assert privacy.apply_retention(now=utcnow() + timedelta(days=500)) == 0
