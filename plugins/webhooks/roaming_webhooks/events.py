"""Turning visit changes into queued webhook deliveries (in the change's own transaction)."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import select

from roaming.db import session, utcnow
from roaming.plugins import settings
from roaming_webhooks import NAME
from roaming_webhooks.models import Delivery, Endpoint


def queue_visit_event(visit, state: str, previous: str | None) -> int:
    """Queue ``visit.<state>`` for every endpoint that wants it; returns how many."""
    event_type = f"visit.{state}"
    endpoints = [
        endpoint
        for endpoint in session.scalars(select(Endpoint))
        if not endpoint.events or event_type in endpoint.events
    ]
    if not endpoints:
        return 0
    payload = {
        "type": event_type,
        "timestamp": utcnow().isoformat(),
        "node": {"name": current_app.config["NODE_NAME"], "url": current_app.config["BASE_URL"]},
        "data": visit_data(visit, previous),
    }
    for endpoint in endpoints:
        session.add(
            Delivery(endpoint=endpoint, message_id=f"msg_{uuid.uuid4().hex}", event_type=event_type, payload=payload)
        )
    return len(endpoints)


def visit_data(visit, previous: str | None) -> dict:
    """What a CRM needs to follow a visit; the visitor's name and e-mail only when the node's
    settings allow it."""
    visitor = visit.visitor or {}
    data = {
        "visit_id": visit.uid,
        "role": visit.role.value,  # host: we host a partner's member; home: our member visits
        "state": visit.state.value,
        "previous_state": previous,
        "partner": {"name": visit.peer.name, "node_id": visit.peer.node_id},
        "company": (visitor.get("company") or {}).get("name"),
        "first_day": visit.starts_on.isoformat(),
        "last_day": visit.ends_on.isoformat(),
        "people": visit.people,
        "desk": ((visit.resource or {}).get("desk") or {}).get("name"),
        "services": [service.get("name") or service.get("uid") for service in visit.services or []],
    }
    if settings(NAME)["include_personal_data"]:
        data["visitor"] = {"name": visitor.get("name"), "email": visitor.get("email")}
    return data
