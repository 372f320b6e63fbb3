"""The host side of visits: receiving requests, deciding, cancelling, check-in. Seats are
``roaming.visits.seats``, the clock (expiry, no-shows, completion) ``roaming.visits.clock``.

Every change moves the visit to its next ``version`` only if no one else did first (``_claim``:
of two changes at once, one wins and the other is a ``Conflict``), adds to its history, and
announces what happened (``roaming.signals.visit_changed``, side "host"): the ledger signs its
receipt, staff are told, plugins hear of it, and the new visit document is queued for the home
node when the transaction commits (``roaming.visits.copies``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import cast

from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from federation.attestation import AttestationRejected, verify_attestation
from roaming import signals
from roaming.catalogue.models import Desk, Service
from roaming.catalogue.service_kinds import kind_of, options_schema
from roaming.db import lock_row, session, utcnow
from roaming.errors import Conflict, DomainError, Forbidden, NotFound
from roaming.identity.operations import node_id
from roaming.peers.models import Peer
from roaming.plugins import hook
from roaming.visits import calendar, seats
from roaming.visits.documents import history_entry
from roaming.visits.models import DayStatus, Visit, VisitDay, VisitRole, VisitState
from roaming.visits.quotes import flat_messages, make_quote

S = VisitState
TRANSITIONS = {
    S.REQUESTED: {S.CONFIRMED, S.DECLINED, S.EXPIRED, S.CANCELLED},
    S.CONFIRMED: {S.CANCELLED, S.CHECKED_IN, S.NO_SHOW},
    S.CHECKED_IN: {S.COMPLETED},
}
RELEASING_STATES = (S.DECLINED, S.EXPIRED, S.CANCELLED, S.NO_SHOW)  # services' reservations end


class AttestationRefused(Forbidden):
    pass


def hosted_visit(uid: str) -> Visit:
    visit = session.scalar(select(Visit).where(Visit.uid == uid, Visit.role == VisitRole.HOST))
    if visit is None:
        raise NotFound(f"No visit {uid} at this host.")
    return visit


def hosted_visit_of(peer: Peer, uid: str) -> Visit:
    """A visit we host for a member of ``peer``; another peer's visits do not exist for it."""
    visit = hosted_visit(uid)
    if visit.peer_id != peer.id:
        raise NotFound(f"No visit {uid} at this host.")
    return visit


def list_hosted(state: VisitState | None = None) -> list[Visit]:
    query = select(Visit).where(Visit.role == VisitRole.HOST).order_by(Visit.starts_on, Visit.id)
    if state is not None:
        query = query.where(Visit.state == state)
    return list(session.scalars(query))


def todays_visitors(now: datetime | None = None) -> list[tuple[Visit, VisitDay]]:
    """Hosted visits with a desk booked today (each location's own today), with today's row."""
    now = now or utcnow()
    near = now.date()
    query = select(Visit).where(
        Visit.role == VisitRole.HOST,
        Visit.state.in_((S.CONFIRMED, S.CHECKED_IN)),
        Visit.starts_on <= near + timedelta(days=1),
        Visit.ends_on >= near - timedelta(days=1),
    )
    found = []
    for visit in session.scalars(query.order_by(Visit.id)):
        today = calendar.local_today(location_of(visit), now)
        row = next((day for day in visit.days if day.day == today and day.status is not DayStatus.CANCELLED), None)
        if row is not None:
            found.append((visit, row))
    return found


# -- requests ------------------------------------------------------------------------------------


def receive_request(peer: Peer, request: dict, now: datetime | None = None) -> tuple[Visit, bool]:
    """Accept (or refuse) a visit request from ``peer``; returns the visit and whether it is new
    (a repeated request returns the visit it made the first time). Raises ``AttestationRefused``
    (403), ``ValidationError`` (422, by field) or ``seats.NoSeat`` (409)."""
    now = now or utcnow()
    existing = _existing(peer, request["visit_id"])
    if existing is not None:
        return existing, False
    claims = verified_visitor(peer, request["visit_id"], request["attestation"])
    lock_row(Peer, peer.id)  # one request of a partner at a time: its allowances are counted exactly
    quote = make_quote(peer, claims["company"]["ref"], request, now)
    if quote.problems:
        raise ValidationError(quote.problems)
    desk = quote.desk
    terms = quote.terms
    instant = terms["desk_confirmation"] == "instant"
    visit = Visit(
        uid=request["visit_id"],
        role=VisitRole.HOST,
        peer=peer,
        state=S.CONFIRMED if instant else S.REQUESTED,
        version=1,
        desk_uid=desk.uid,
        resource=_resource(desk),
        starts_on=request["first_day"],
        ends_on=request["last_day"],
        people=request["people"],
        services=[_service_entry(service, quote.service_options.get(service.uid)) for service in quote.services],
        message=request.get("message", ""),
        price=quote.price(),
        terms=terms,
        visitor={**{k: claims["person"].get(k) for k in ("name", "email", "language")}, "company": claims["company"]},
        company_ref=claims["company"]["ref"],
        deadline_at=None if instant else now + timedelta(hours=terms["approval_deadline_hours"]),
        checkin_token=secrets.token_urlsafe(24),
        days=[VisitDay(day=day, status=DayStatus.BOOKED) for day in quote.days],
    )
    refusals = [
        str(message)
        for messages in hook().roaming_validate_visit(visit=visit, terms=terms)
        for message in messages or []
    ]
    if refusals:
        raise ValidationError({"visit": refusals})
    note = "Confirmed at once under the agreement's terms." if instant else "Waiting for the host's decision."
    visit.history = [history_entry(S.REQUESTED, "visitor", request.get("message", ""))]
    if instant:
        visit.history.append(history_entry(S.CONFIRMED, "host", note))
    try:
        session.add(visit)
        session.flush()  # the first write of the transaction
    except IntegrityError:  # the same request arrived twice at once: the other one made the visit
        session.rollback()
        existing = _existing(peer, request["visit_id"])
        if existing is None:
            raise
        return existing, False
    seats.allocate(visit, desk)
    _reserve_services(visit, quote)
    _announce(visit, "requested", None)
    session.flush()
    return visit, True


def _existing(peer: Peer, uid: str) -> Visit | None:
    visit = session.scalar(select(Visit).where(Visit.uid == uid))
    if visit is not None and (visit.role is not VisitRole.HOST or visit.peer_id != peer.id):
        raise Conflict("This visit id is taken.")
    return visit


def verified_visitor(peer: Peer, subject: str, attestation: str) -> dict:
    """The claims of ``peer``'s attestation for the visit or registration ``subject``; raises
    ``AttestationRefused`` (403) naming the reason."""
    keys = {key.key_id: key.jwk for key in peer.keys}
    try:
        return verify_attestation(
            attestation,
            issuer=peer.node_id,
            audience=node_id(),
            issuer_key=keys.get,
            visit_id=subject,
        )
    except AttestationRejected as rejected:
        raise AttestationRefused(rejected.reason) from None


def _service_entry(service: Service, options: dict | None) -> dict:
    entry = {"uid": service.uid, "name": service.name, "kind": service.kind}
    schema = options_schema(kind_of(service.kind), service) if options is not None else None
    if schema is not None:
        entry["options"] = schema.dump(options)
    return entry


def _reserve_services(visit: Visit, quote) -> None:
    """Let each service's kind reserve what it needs; a refusal is named by the service's options."""
    for service in quote.services:
        kind = kind_of(service.kind)
        if kind is None or kind.reserve is None:
            continue
        try:
            kind.reserve(visit=visit, service=service, options=quote.service_options.get(service.uid, {}))
        except ValidationError as error:
            session.rollback()
            name = f"service_options.{service.uid}"
            problems: dict[str, list[str]] = {}
            for path, text in flat_messages(error.normalized_messages()):
                problems.setdefault(f"{name}.{path}" if path else name, []).append(text)
            raise ValidationError(problems) from None
        except DomainError:
            session.rollback()
            raise


def _release_services(visit: Visit) -> None:
    for entry in visit.services:
        kind = kind_of(entry.get("kind", ""))
        service = session.scalar(select(Service).where(Service.uid == entry["uid"]))
        if kind is not None and kind.release is not None and service is not None:
            kind.release(visit=visit, service=service)


def _resource(desk: Desk) -> dict:
    location = desk.location
    return {
        "desk": {"uid": desk.uid, "name": desk.name},
        "location": {
            "uid": location.uid,
            "name": location.name,
            "address": location.address,
            "postal_code": location.postal_code,
            "city": location.city,
            "country": location.country,
            "timezone": location.timezone,
        },
    }


# -- decisions and changes -----------------------------------------------------------------------


def approve(visit: Visit, by: str = "host") -> Visit:
    move_to(visit, S.CONFIRMED, by, "Approved by the host.")
    session.flush()
    return visit


def decline(visit: Visit, reason: str, by: str = "host") -> Visit:
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the request is declined."]})
    move_to(visit, S.DECLINED, by, reason, reason=reason)
    seats.release(visit)
    session.flush()
    return visit


def cancel(visit: Visit, by: str, reason: str = "", days: list | None = None, now: datetime | None = None) -> Visit:
    """Cancel the whole visit, or only ``days``. ``by`` "visitor" keeps to the terms'
    cancellation deadline; the host may cancel any day that has not passed."""
    now = now or utcnow()
    if visit.state not in (S.REQUESTED, S.CONFIRMED, S.CHECKED_IN):
        raise Conflict(f"The visit is {visit.state.value}; it cannot be cancelled.")
    booked = {day.day: day for day in visit.days if day.status is DayStatus.BOOKED}
    chosen = sorted(booked) if days is None else sorted(set(days))
    problems = [day.isoformat() for day in chosen if day not in booked]
    if problems:
        raise ValidationError({"days": [f"Not booked days of this visit: {', '.join(problems)}."]})
    if not chosen:
        raise Conflict("No booked day is left to cancel.")
    _refuse_late(visit, chosen, by, now)
    for day in chosen:
        booked[day].status = DayStatus.CANCELLED
    remaining = [day for day in visit.days if day.status in (DayStatus.BOOKED, DayStatus.CHECKED_IN)]
    detail = reason or ("Cancelled." if days is None else f"Cancelled {', '.join(d.isoformat() for d in chosen)}.")
    if not remaining:
        move_to(visit, S.CANCELLED, by, detail, reason=reason or None)
    else:
        amend(visit, history_entry(visit.state, by, detail))
    seats.release_days(visit, chosen)
    session.flush()
    return visit


def cancel_by_host(visit: Visit, reason: str, days: list | None = None, now: datetime | None = None) -> Visit:
    """Host staff cancel the visit or some of its days (any day not past), saying why: the reason
    is sent to the visitor. Raises ``ValidationError`` (no reason, a day not booked or past) or
    ``Conflict`` (the visit's state, or someone changed it meanwhile)."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the host cancels."]})
    return cancel(visit, "host", reason, days, now)


def cancellable_days(visit: Visit, now: datetime | None = None) -> list[VisitDay]:
    """The days host staff may still cancel: booked, today or later in the place's zone."""
    today = calendar.local_today(location_of(visit), now or utcnow())
    if visit.state not in (S.REQUESTED, S.CONFIRMED, S.CHECKED_IN):
        return []
    return [day for day in visit.days if day.status is DayStatus.BOOKED and day.day >= today]


def checkin_day(visit: Visit, now: datetime | None = None) -> VisitDay | None:
    """Today's day of the visit (the place's today) if staff can check the visitor in for it now."""
    today = calendar.local_today(location_of(visit), now or utcnow())
    if visit.state not in (S.CONFIRMED, S.CHECKED_IN):
        return None
    return next((day for day in visit.days if day.day == today and day.status is DayStatus.BOOKED), None)


def _refuse_late(visit: Visit, days: list, by: str, now: datetime) -> None:
    """Visitors cancel a day until the terms' deadline before it begins; hosts any day not past."""
    location = location_of(visit)
    if by == "visitor":
        hours = visit.terms.get("cancellation_deadline_hours", 0)
        late = [day for day in days if calendar.day_start(location, day) - timedelta(hours=hours) < now]
        rule = f"the terms allow cancelling until {hours} h before a day begins"
    else:
        late = [day for day in days if day < calendar.local_today(location, now)]
        rule = "past days cannot be cancelled"
    if late:
        dates = ", ".join(day.isoformat() for day in late)
        raise ValidationError({"days": [f"Too late to cancel {dates}: {rule}."]})


def check_in(visit: Visit, by: str, now: datetime | None = None) -> Visit:
    """Check the visitor in for today (the host location's today)."""
    now = now or utcnow()
    today = calendar.local_today(location_of(visit), now)
    day = next((row for row in visit.days if row.day == today), None)
    if day is None or day.status in (DayStatus.CANCELLED, DayStatus.NO_SHOW):
        raise Conflict(f"The visit has no desk booked for today ({today.isoformat()}).")
    if day.status is DayStatus.CHECKED_IN:
        return visit
    if visit.state not in (S.CONFIRMED, S.CHECKED_IN):
        raise Conflict(f"The visit is {visit.state.value}; check-in needs a confirmed visit.")
    day.status, day.checked_in_at = DayStatus.CHECKED_IN, now
    note = f"Checked in on {today.isoformat()}."
    if visit.state is S.CONFIRMED:
        move_to(visit, S.CHECKED_IN, by, note)
    else:
        amend(visit, history_entry(visit.state, by, note))
    session.flush()
    return visit


def cancel_from_home(peer: Peer, uid: str, days: list | None) -> Visit:
    """The visitor's home node passes on a cancellation. One that finds the visit (or the days)
    cancelled already changes nothing and answers it as it is; one that lost to another change (the
    host declined the request, it expired or ended) is refused with 409 naming the state."""
    visit = hosted_visit_of(peer, uid)
    held = {day.day: day.status for day in visit.days}
    if visit.state is S.CANCELLED or (
        days and set(days) <= held.keys() and all(held[day] is DayStatus.CANCELLED for day in days)
    ):
        return visit
    return cancel(visit, "visitor", days=days)


# -- helpers -------------------------------------------------------------------------------------


class _Zone:
    """What ``calendar`` needs of a location, from the visit's snapshot (the desk may be gone)."""

    def __init__(self, snapshot: dict):
        self.name = snapshot.get("name", "")
        self.timezone = snapshot.get("timezone", "UTC")


def location_of(visit: Visit) -> _Zone:
    return _Zone(visit.resource.get("location", {}))


def move_to(visit: Visit, new: VisitState, by: str, note: str, reason: str | None = None) -> None:
    old = visit.state
    if new not in TRANSITIONS.get(old, set()):
        raise Conflict(f"The visit is {old.value}; it cannot become {new.value}.")
    _claim(visit)
    visit.state = new
    if reason is not None:
        visit.reason = reason
    if new in RELEASING_STATES:
        _release_services(visit)
    _record(visit, history_entry(new, by, note))
    _announce(visit, new.value, old)


def amend(visit: Visit, entry: dict) -> None:
    """A change that keeps the visit's state (days cancelled, a check-in, no-shows)."""
    _claim(visit)
    _record(visit, entry)
    _announce(visit, "days_changed", visit.state)


def _record(visit: Visit, entry: dict) -> None:
    visit.history = [*visit.history, entry]


def _announce(visit: Visit, what: str, old: VisitState | None) -> None:
    """Tell the receivers of ``roaming.signals.visit_changed`` (the ledger, notices, the copy for
    the home node, plugins' hooks) what happened, in this transaction, once the change is flushed."""
    session.flush()
    signals.visit_changed.send(visit, side=VisitRole.HOST, what=what, old=old)


def _claim(visit: Visit) -> None:
    """Move the visit to its next version in the database, only if it is still at the version it
    was read at: of two changes made at once (two staff, the clock, the home node), the first to
    get here wins and the other gets ``Conflict`` naming the visit's state now, and must roll back
    what it did (nothing it did is committed). PostgreSQL holds the row until the winner commits;
    SQLite lets one writer at a time."""
    with session.no_autoflush:  # the claim is the visit row's first write in this transaction
        result = session.execute(
            update(Visit)
            .where(Visit.id == visit.id, Visit.version == visit.version)
            .values(version=visit.version + 1)
            .execution_options(synchronize_session=False)
        )
        claimed = cast(CursorResult, result).rowcount  # an UPDATE's result counts its rows
        if claimed != 1:
            now = session.scalar(select(Visit.state).where(Visit.id == visit.id))
            state = now.value if now is not None else "gone"
            raise Conflict(f"The visit was changed meanwhile (it is {state} now); reload it and try again.")
    set_committed_value(visit, "version", visit.version + 1)
