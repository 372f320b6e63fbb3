"""The ledger's figures and CSV from receipts, in one node's database."""

from __future__ import annotations

import csv
import io

import pytest

from roaming.db import session
from roaming.identity.operations import node_id
from roaming.ledger import operations as ledger
from roaming.ledger import reporting
from roaming.ledger.models import Book
from roaming.peers.models import Peer, TrustSource

pytestmark = pytest.mark.each_database


def _partner(name: str) -> Peer:
    peer = Peer(node_id=f"node-{len(name)}", name=name, base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
    session.add(peer)
    session.flush()
    return peer


def test_flows_count_delivered_services_and_decisions_with_median_response(app):
    with app.app_context():
        partner = _partner("it@cork")
        for n, seconds in enumerate((600, 3600, 7200)):
            subject = f"{n:08d}-0000-4000-8000-000000000000"
            reporting.issue(partner, "confirmed", subject, "2026-12", response_seconds=seconds)
        reporting.issue(partner, "declined", "00000009-0000-4000-8000-000000000000", "2026-12", response_seconds=60)
        reporting.issue(partner, "expired", "0000000a-0000-4000-8000-000000000000", "2026-12")
        reporting.issue(
            partner, "completed", "00000000-0000-4000-8000-000000000000", "2026-12", desk_days=4, services=2
        )
        reporting.issue(partner, "event_seat", "0000000b-0000-4000-8000-000000000000", "2027-01", event_seats=1)
        reporting.issue(partner, "completed", "00000000-0000-4000-8000-000000000000", "2026-12", desk_days=9)  # again
        session.commit()
        december, january = ledger.flows(Book.NODE)
        assert (december.host, december.home) == (node_id(), partner.node_id)
        assert (december.visits, december.desk_days, december.services) == (1, 4, 2)  # the repeat did not count
        assert (december.confirmed, december.declined, december.expired) == (3, 1, 1)
        assert december.median_response_hours == 0.6  # answered in 1, 10, 60 and 120 minutes: median 35
        assert (january.event_seats, january.visits) == (1, 0)
        assert [f.period for f in ledger.flows(Book.NODE, period_from="2027-01")] == ["2027-01"]


def test_csv_names_clusters_and_defuses_formulas(app):
    with app.app_context():
        partner = _partner('=HYPERLINK("http://evil.example")')
        reporting.issue(partner, "completed", "00000000-0000-4000-8000-000000000000", "2026-12", desk_days=1)
        session.commit()
        rows = list(csv.DictReader(io.StringIO(ledger.as_csv(ledger.named(ledger.flows(Book.NODE))))))
    assert rows[0]["home_name"].startswith("'=HYPERLINK") and rows[0]["desk_days"] == "1"
