"""The visit document: how the host tells the home node what a visit is now.

The host sends it in answer to every visit message and, through the outbox, after every change.
The home node applies a document only if its ``version`` is newer than the one it holds, so
repeated, late or reordered deliveries change nothing, and only if it keeps to what was agreed
(``contradictions``): the people and services asked for, the days of the visit, days given back
and a closed visit staying so. The home checks the host's receipts against the visit it holds
(``roaming.ledger.checks``), so a document must not be able to make that visit bigger.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import current_app
from marshmallow import fields, validate

from federation import receipts
from roaming import signals
from roaming.db import utcnow
from roaming.errors import DomainError
from roaming.peers.discovery import origin
from roaming.schemas import WireSchema, bounded_strings
from roaming.visits.calendar import MAX_SPAN_DAYS
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitState


def history_entry(state: VisitState, by: str, note: str = "") -> dict:
    return {"at": utcnow().isoformat(timespec="seconds"), "state": state.value, "by": by, "note": note}


def checkin_url(visit: Visit) -> str | None:
    """Host side: the visitor's personal check-in link (also shown as a QR code)."""
    if not visit.checkin_token:
        return None
    return f"{current_app.config['BASE_URL'].rstrip('/')}/checkin/{visit.checkin_token}"


def signed_receipts(subject: str) -> list[str]:
    """The receipts signed for a visit or registration (``subject``, its uid), as its document
    carries them (the ledger answers ``roaming.signals.receipts_for``)."""
    return [token for tokens in signals.answers(signals.receipts_for, subject) for token in tokens]


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
        "receipts": signed_receipts(visit.uid),
    }


class DayDocumentSchema(WireSchema):
    date = fields.Date(required=True)
    status = fields.Enum(DayStatus, by_value=True, required=True)


class VisitDocumentSchema(WireSchema):
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
    receipts = bounded_strings(receipts.PER_DOCUMENT, receipts.MAX_LENGTH, load_default=list)


GIVEN_BACK = (DayStatus.CANCELLED, DayStatus.NO_SHOW)


class Contradiction(DomainError):
    """A host's document that contradicts the visit as asked for or as held: refused whole."""

    status = 422


def apply_document(visit: Visit, doc: dict) -> bool:
    """Make the home copy match ``doc`` (loaded by ``VisitDocumentSchema``); False if it is not
    newer than what is held; raises ``Contradiction`` naming what it contradicts. The caller holds
    the visit's row, read afresh (``lock_fresh``)."""
    if doc["version"] <= visit.version:
        return False
    found = contradictions(visit, doc)
    if found:
        raise Contradiction(f"The visit document contradicts the visit as agreed: {'; '.join(found)}.")
    visit.version, visit.state = doc["version"], doc["state"]
    visit.resource = {**doc["resource"], "checkin_url": _host_link(visit, doc["checkin_url"])}
    visit.people, visit.services = doc["people"], doc["services"]
    visit.price, visit.terms, visit.deadline_at = doc["price"], doc["terms"], doc["deadline_at"]
    visit.reason, visit.history = doc["reason"], doc["history"]
    _apply_days(visit, {day["date"]: day["status"] for day in doc["days"]})
    return True


def _host_link(visit: Visit, url: str | None) -> str | None:
    """The host's check-in link, kept only as an http(s) address on the host's own origin: it goes
    into the visitor's e-mails, calendar entries and QR code, where a ``javascript:`` or a
    look-alike site's link must never arrive. Anything else is left out (the visitor checks in at
    the desk)."""
    if url is None:
        return None
    where = origin(url)
    return url if where is not None and where == origin(visit.peer.base_url) else None


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


def contradictions(visit: Visit, doc: dict) -> list[str]:
    """What a newer document from the host changes that a host never changes: the people and the
    services the home asked for, days outside the dates asked for or not part of the visit, days
    given back (cancelled, released) coming back, and a closed visit opening or closing again."""
    found = []
    if doc["people"] != visit.people:
        found.append(f"{doc['people']} people instead of the {visit.people} asked for")
    asked = Counter(str(service.get("uid")) for service in visit.services)
    extra = sorted((Counter(str(service.get("uid")) for service in doc["services"]) - asked).elements())
    if extra:
        found.append(f"services not asked for ({', '.join(extra)})")
    days = {day["date"]: day["status"] for day in doc["days"]}
    outside = [day for day in sorted(days) if not visit.starts_on <= day <= visit.ends_on]
    if outside:
        found.append(f"days outside {visit.starts_on.isoformat()} to {visit.ends_on.isoformat()} ({_dates(outside)})")
    if visit.version == 0:  # the first document: nothing held yet to keep to
        return found
    held = {day.day: day.status for day in visit.days}
    added = [day for day in sorted(days) if day not in held and day not in outside]
    if added:
        found.append(f"days that were not part of the visit ({_dates(added)})")
    back = [day for day, status in sorted(held.items()) if status in GIVEN_BACK and days.get(day, status) is not status]
    if back:
        found.append(f"days given back coming back ({_dates(back)})")
    if not visit.state.is_open and doc["state"] is not visit.state:
        found.append(f"the visit is {visit.state.value} and cannot become {doc['state'].value}")
    return found


def _dates(days: list[date]) -> str:
    return ", ".join(day.isoformat() for day in days)
