"""Queueing and sending notifications.

``queue`` adds a notification to the caller's transaction, so it exists if and only if the change
it reports does. ``send_due`` hands each due one to every ``roaming_notify`` implementation (one
per transport); a transport that fails is tried again with a doubling delay, up to
``NOTIFY_MAX_ATTEMPTS`` times, and the transports that succeeded are not called again. A
notification that failed that often is set aside (``failed_at``): staff see it, and retry or drop
it (``roaming.attention``). A message that holds a secret (``erase_when_sent``: a link to set a
password) keeps its text and HTML only until it is sent; then they are emptied.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from roaming.backoff import doubling_delay
from roaming.db import session, utcnow
from roaming.notify import Attachment, Message, Recipient
from roaming.notify.models import Notification
from roaming.plugins import call_each


def queue(recipient: Recipient, message: Message) -> Notification:
    notification = Notification(
        kind=message.kind,
        recipient_email=recipient.email,
        recipient_name=recipient.name,
        language=recipient.language,
        subject=message.subject,
        text=message.text,
        html=message.html,
        attachments=[asdict(attachment) for attachment in message.attachments],
        erase_when_sent=message.erase_when_sent,
    )
    session.add(notification)
    return notification


def send_due(limit: int = 100) -> int:
    """Send what is due; returns how many were sent. One notification's failure, whatever it is,
    is recorded on it and never stops the others."""
    now = utcnow()
    due = session.scalars(
        select(Notification.id)
        .where(Notification.sent_at.is_(None), Notification.failed_at.is_(None), Notification.next_attempt_at <= now)
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    return sum(_send(notification_id, now) for notification_id in due)


def _send(notification_id: int, now) -> int:
    """Hand one due notification to the transports that have not taken it yet; 1 if it is sent.

    The try is counted first, in a commit of its own (version-checked by the attempts, so two
    workers never send it at once), so nothing is locked while the transports talk to their
    servers."""
    taken = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.sent_at.is_(None),
            Notification.failed_at.is_(None),
            Notification.next_attempt_at <= now,
        )
        .values(attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    notification = session.get(Notification, notification_id, populate_existing=True)
    if cast(CursorResult, taken).rowcount != 1 or notification is None:
        return 0
    try:
        outcome = call_each(
            "roaming_notify",
            skip=set(notification.delivered_by or []),
            recipient=_recipient(notification),
            message=_message(notification),
        )
    except Exception as error:  # noqa: BLE001 - it cannot even be read: its failure, not the others'
        session.rollback()
        outcome = {"reading it": error}
    notification.delivered_by = [*(notification.delivered_by or []), *(t for t, e in outcome.items() if e is None)]
    errors = {transport: error for transport, error in outcome.items() if error is not None}
    if errors:
        _failed(notification, errors)
    else:
        notification.sent_at, notification.last_error = utcnow(), None
        if notification.erase_when_sent:
            notification.text = notification.html = ""
    session.commit()
    return 0 if errors else 1


def _failed(notification: Notification, errors: dict[str, Exception]) -> None:
    config = current_app.config
    notification.last_error = "; ".join(f"{t}: {type(e).__name__}: {e}" for t, e in errors.items())[:1000]
    current_app.logger.warning("Notification %s to a recipient failed: %s", notification.id, notification.last_error)
    if notification.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
        notification.failed_at = utcnow()
        return
    delay = doubling_delay(config["NOTIFY_RETRY_BASE_SECONDS"], notification.attempts, 3600.0)
    notification.next_attempt_at = utcnow() + timedelta(seconds=delay)


def _recipient(notification: Notification) -> Recipient:
    return Recipient(notification.recipient_email, notification.recipient_name, notification.language)


def _message(notification: Notification) -> Message:
    return Message(
        kind=notification.kind,
        subject=notification.subject,
        text=notification.text,
        html=notification.html,
        attachments=tuple(Attachment(**attachment) for attachment in notification.attachments),
        erase_when_sent=notification.erase_when_sent,
    )
