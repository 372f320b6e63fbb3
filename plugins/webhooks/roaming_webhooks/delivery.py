"""Delivering queued webhooks: signed POSTs, retried with a doubling delay. Each try is counted and
committed before the endpoint is called, so no database lock is held while it answers."""

from __future__ import annotations

import json
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import select

from roaming.db import session, utcnow
from roaming.plugins import doubling_delay, settings
from roaming_webhooks import NAME, signing
from roaming_webhooks.models import Delivery

BATCH = 50


def deliver_due() -> int:
    """Send what is due; returns how many were delivered."""
    config = settings(NAME)
    due = session.scalars(
        select(Delivery)
        .where(Delivery.delivered_at.is_(None), Delivery.failed_at.is_(None), Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.id)
        .limit(BATCH)
    ).all()
    delivered = 0
    for delivery in due:
        delivery.attempts += 1
        session.commit()  # counted first: no lock is held while the endpoint is called
        error = _send(delivery, config["timeout_seconds"])
        if error is None:
            delivery.delivered_at, delivery.last_error = utcnow(), None
            delivered += 1
        else:
            _failed(delivery, error, config)
        session.commit()
    return delivered


def _send(delivery: Delivery, timeout: float) -> str | None:
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = signing.headers(delivery.endpoint.secret, delivery.message_id, body)
    try:
        response = requests.post(delivery.endpoint.url, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        return f"{type(error).__name__}: could not reach the endpoint"
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


def _failed(delivery: Delivery, error: str, config: dict) -> None:
    delivery.last_error = error
    current_app.logger.warning("Webhook %s to endpoint %s failed: %s", delivery.message_id, delivery.endpoint_id, error)
    if delivery.attempts >= config["max_attempts"]:
        delivery.failed_at = utcnow()
        return
    delay = doubling_delay(config["retry_base_seconds"], delivery.attempts, 6 * 3600)
    delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
