"""Plugins' side-effect hooks and notification transports that raise: the visit goes on, the
plugin's own writes are rolled back, the error is logged with its name, and a failing transport
is retried on its own without sending the e-mail twice."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from roaming.db import session, utcnow
from roaming.notify import operations as notifications
from roaming.notify.models import Notification
from roaming.plugins import hookimpl
from roaming.visits import hosting
from roaming.visits.models import Visit, VisitState
from tests.visits.conftest import receive

pytestmark = pytest.mark.each_database


class Broken:
    """Writes a row, then raises, in every hook it implements."""

    def __init__(self):
        self.transport_calls = 0

    @hookimpl
    def roaming_visit_created(self, visit):
        session.add(Notification(kind="crm", recipient_email="crm@broken.example", subject="s", text="t", html="h"))
        session.flush()
        raise RuntimeError("CRM down")

    @hookimpl
    def roaming_visit_state_changed(self, new):
        raise RuntimeError(f"chat down while {new.value}")

    @hookimpl
    def roaming_notify(self, message):
        self.transport_calls += 1
        raise ConnectionError("chat server refused")


def test_raising_hooks_and_transport_do_not_break_the_visit(
    app, make_desk, make_location, make_user, home_peer, within, caplog
):
    broken = Broken()
    app.extensions["roaming.plugins"].register(broken, name="broken")
    desk = make_desk(location=make_location(opening_hours={}))
    make_user(email="desk@itcork.example")  # host staff, told of new requests
    caplog.set_level(logging.ERROR)

    visit = within(receive, home_peer, desk)
    assert visit.state is VisitState.REQUESTED
    within(lambda: hosting.approve(session.get(Visit, visit.id)))

    assert within(lambda: session.get(Visit, visit.id).state) is VisitState.CONFIRMED
    assert within(lambda: session.scalars(select(Notification).where(Notification.kind == "crm")).all()) == []
    logged = [record.getMessage() for record in caplog.records]
    assert "Plugin 'broken' failed in roaming_visit_created; carrying on without it." in logged
    assert "Plugin 'broken' failed in roaming_visit_state_changed; carrying on without it." in logged

    within(notifications.send_due)
    mail_folder = app.instance_path + "/mail"
    sent = sorted(os.listdir(mail_folder))
    rows = within(lambda: session.scalars(select(Notification)).all())
    assert sent and all(row.delivered_by == ["email"] and row.sent_at is None for row in rows)
    assert all("broken: ConnectionError: chat server refused" in row.last_error for row in rows)
    calls = broken.transport_calls

    def due_now():
        session.execute(update(Notification).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()

    within(due_now)
    within(notifications.send_due)
    assert sorted(os.listdir(mail_folder)) == sent  # e-mail not sent twice
    assert broken.transport_calls == calls + len(rows)
    assert all(row.attempts == 2 for row in within(lambda: session.scalars(select(Notification)).all()))
