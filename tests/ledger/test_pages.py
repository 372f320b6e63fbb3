"""The ledger page shows staff the receipts their node refused, and on the coordinator the
receipts the federation's figures leave out, with both sides' figures."""

from __future__ import annotations

import uuid

import pytest

from roaming.accounts.models import Role
from roaming.db import session
from roaming.ledger import coordination
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book
from tests.support.receipts import Partner

pytestmark = pytest.mark.one_database(reason="what a page shows")


@pytest.fixture
def staff_client(client, make_user, login):
    login(make_user(role=Role.HOST_STAFF))
    return client


def test_the_coordinator_sees_disputed_and_unconfirmed_receipts_with_both_sides_figures(app, staff_client, within):
    app.config["COORDINATOR_ENABLED"] = True
    host, home = Partner("it@cork"), Partner("Systematic")
    within(host.add)
    within(home.add)
    inflated, unconfirmed = str(uuid.uuid4()), str(uuid.uuid4())

    def report():
        token = host.receipt("completed", inflated, audience=home.node_id, desk_days=10_000)
        coordination.record_issued(host.node_id, token)
        expected = {"desk_days": 1, "services": 0, "event_seats": 0}
        coordination.record_refused(home.node_id, token, "The receipt counts desk_days 10000.", expected)
        coordination.record_issued(host.node_id, host.receipt("completed", unconfirmed, audience=home.node_id))
        session.commit()

    within(report)
    page = " ".join(staff_client.get("/staff/ledger").data.decode().split())
    assert "figures leave out</h2>" in page
    disputed = f"<td>it@cork</td><td>Systematic</td><td>Jan 2030</td><td>{inflated}:completed</td> <td>disputed</td>"
    assert disputed + " <td>10000, 0, 0</td><td>1, 0, 0</td><td>The receipt counts desk_days 10000.</td>" in page
    assert f"<td>{unconfirmed}:completed</td> <td>unconfirmed</td> <td>0, 0, 0</td><td>–</td>" in page


def test_staff_see_the_receipts_their_node_refused(staff_client, within, host):
    subject = str(uuid.uuid4())

    def refuse():
        token = host.receipt("completed", subject, desk_days=10_000)
        claims = {"jti": f"{subject}:completed", "iss": host.node_id, "aud": host.us, "kind": "completed"}
        claims |= {"subject": subject, "period": "2030-01", "desk_days": 10_000}
        ledger.keep_refused(Book.NODE, claims, token, "The receipt counts desk_days 10000.", None)
        session.commit()

    within(refuse)
    page = " ".join(staff_client.get("/staff/ledger").data.decode().split())
    assert "Receipts we refused" in page
    assert (
        f"<td>it@cork</td><td>Jan 2030</td><td>{subject}:completed</td><td>The receipt counts desk_days 10000.</td>"
        in page
    )
    assert "Receipts the federation" not in page  # not the coordinator
