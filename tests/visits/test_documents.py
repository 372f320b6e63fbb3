"""The home's copy of a visit follows the host's documents: of two documents applied at once, the
newer wins, whatever order they are written in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.identity.operations import node_id
from roaming.visits.documents import VisitDocumentSchema, apply_document
from roaming.visits.models import Visit
from tests.support.receipts import MONDAY, Partner, add_home_visit, visit_document

pytestmark = pytest.mark.each_database

DAYS = {MONDAY + timedelta(days=n): "booked" for n in range(3)}


def test_an_older_document_read_before_a_newer_one_was_applied_changes_nothing(app, within):
    host = Partner("it@cork", us=within(node_id))
    within(host.add)
    uid = within(add_home_visit, host)
    with app.app_context():
        stale = session.scalar(select(Visit).where(Visit.uid == uid))  # read at version 0
        assert stale.version == 0
        with app.app_context():  # meanwhile, another request applies version 3
            held = session.scalar(select(Visit).where(Visit.uid == uid))
            cancelled = dict.fromkeys(DAYS, "cancelled")
            assert apply_document(held, VisitDocumentSchema().load(visit_document(uid, 3, "cancelled", cancelled)))
            session.commit()
        assert not apply_document(stale, VisitDocumentSchema().load(visit_document(uid, 2, "confirmed", DAYS)))
        session.commit()
    with app.app_context():
        held = session.scalar(select(Visit).where(Visit.uid == uid))
        assert (held.version, held.state.value) == (3, "cancelled")
        assert {day.status.value for day in held.days} == {"cancelled"}
