"""The visit document: how the host tells the home node what a visit is now.

The host sends it in answer to every visit message and, through the outbox, after every change.
The home node applies a document only if its ``version`` is newer than the one it holds, so
repeated, late or reordered deliveries change nothing.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from marshmallow import fields, validate

from roaming.db import utcnow
from roaming.ledger.operations import tokens_for
from roaming.schemas import BaseSchema
from roaming.visits.calendar import MAX_SPAN_DAYS
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitState


def history_entry(state: VisitState, by: str, note: str = "") -> dict:
    return {"at": utcnow().isoformat(timespec="seconds"), "state": state.value, "by": by, "note": note}


def checkin_url(visit: Visit) -> str | None:
    """Host side: the visitor's personal check-in link (also shown as a QR code)."""
    if not visit.checkin_token:
        return None
    return f"{current_app.config['BASE_URL'].rstrip('/')}/checkin/{visit.checkin_token}"


def document(visit: Visit) -> dict:
    """Host side: the visit as sent to the visitor's home node."""
    return {
        "visit_id": visit.uid,
        "version": visit.version,
        "state": visit.state.value,
        "resource": visit.resource,
        "people": visit.people,
        "services": visit.services,
        "days": [{"date": day.day.isoformat(), "status": day.status.value} for day in visit.days],
        "price": visit.price,
        "terms": visit.terms,
        "deadline_at": visit.deadline_at.isoformat() if visit.deadline_at else None,
        "reason": visit.reason,
        "checkin_url": checkin_url(visit),
        "history": visit.history,
        "receipts": tokens_for(visit.uid),
    }


class DayDocumentSchema(BaseSchema):
    date = fields.Date(required=True)
    status = fields.Enum(DayStatus, by_value=True, required=True)


class VisitDocumentSchema(BaseSchema):
    visit_id = fields.String(required=True, validate=validate.Length(equal=36))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    state = fields.Enum(VisitState, by_value=True, required=True)
    resource = fields.Dict(required=True)
    people = fields.Integer(required=True, strict=True)
    services = fields.List(fields.Dict(), required=True)
    days = fields.List(  # one per working day of the span a request may ask for, at most
        fields.Nested(DayDocumentSchema), required=True, validate=validate.Length(max=MAX_SPAN_DAYS)
    )
    price = fields.Dict(required=True)
    terms = fields.Dict(required=True)
    deadline_at = fields.AwareDateTime(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    checkin_url = fields.String(allow_none=True, load_default=None)
    history = fields.List(fields.Dict(), required=True)
    receipts = fields.List(fields.String(), load_default=list)


def apply_document(visit: Visit, doc: dict) -> bool:
    """Make the home copy match ``doc`` (loaded by ``VisitDocumentSchema``); False if it is not
    newer than what is held."""
    if doc["version"] <= visit.version:
        return False
    visit.version, visit.state = doc["version"], doc["state"]
    visit.resource = {**doc["resource"], "checkin_url": doc["checkin_url"]}
    visit.people, visit.services = doc["people"], doc["services"]
    visit.price, visit.terms, visit.deadline_at = doc["price"], doc["terms"], doc["deadline_at"]
    visit.reason, visit.history = doc["reason"], doc["history"]
    _apply_days(visit, {day["date"]: day["status"] for day in doc["days"]})
    return True


def _apply_days(visit: Visit, statuses: dict[date, DayStatus]) -> None:
    held = {day.day: day for day in visit.days}
    for day, row in held.items():
        if day not in statuses:
            visit.days.remove(row)
    for day, status in sorted(statuses.items()):
        if day in held:
            held[day].status = status
        else:
            visit.days.append(VisitDay(day=day, status=status))
