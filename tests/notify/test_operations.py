"""Sending queued notifications: one that cannot even be read fails alone, recorded on it, and the
others are sent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.notify import Message, Recipient
from roaming.notify.models import Notification
from roaming.notify.operations import queue, send_due

pytestmark = pytest.mark.each_database


def test_a_notification_that_cannot_be_read_fails_alone(app, within):
    def add():
        for address in ("broken@example.org", "fine@example.org"):
            queue(Recipient(address, "Ana", "en"), Message(kind="test", subject="Hello", text="Hi", html="<p>Hi</p>"))
        session.flush()
        broken = session.scalar(select(Notification).where(Notification.recipient_email == "broken@example.org"))
        broken.attachments = [{"not": "an attachment"}]
        session.commit()

    within(add)
    assert within(send_due) == 1
    rows = within(lambda: session.scalars(select(Notification).order_by(Notification.id)).all())
    assert rows[0].sent_at is None and rows[0].attempts == 1 and "reading it: TypeError" in rows[0].last_error
    assert rows[0].next_attempt_at > rows[0].created_at and rows[1].sent_at is not None
