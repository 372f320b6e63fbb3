"""What the node stopped trying on its own, for staff to look at ("needs attention"): messages to
partners that a partner refused or that kept failing (``peers.delivery``), our members' visit
requests and event registrations that could not be delivered (``peers.sending``), and e-mails that
could not be sent (``notify``).

Staff retry an item (it is tried again at once, with a fresh count of tries) or drop it (a message
or an e-mail is deleted; a visit request or registration is withdrawn and its visitor told). Both
are exclusive: one UPDATE or DELETE that applies only to an item still set aside, so of two staff
at once one wins and the other gets a ``Conflict`` naming what the item is now, with nothing of
its change kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult

from roaming.audit.operations import audit
from roaming.db import session, utcnow
from roaming.errors import Conflict, NotFound
from roaming.events import notices as event_notices
from roaming.events.attending import REGISTRATIONS_PATH
from roaming.events.models import Registration, RegistrationState
from roaming.notify.models import Notification
from roaming.peers.delivery import enqueue
from roaming.peers.models import OutboxMessage, Peer
from roaming.visits.models import Visit, VisitRole, VisitState
from roaming.visits.notices import tell_visitor
from roaming.visits.visiting import REQUESTS_PATH

ACTIONS = ("retry", "drop")


@dataclass(frozen=True)
class Item:
    """One item set aside: ``subject`` names it (a message's path, a visitor, an e-mail's
    subject), ``detail`` says more (the message id, the dates, the event, the recipient)."""

    kind: str
    id: int
    subject: str
    detail: str
    partner: str | None
    last_error: str | None
    attempts: int
    since: datetime | None


def items() -> list[Item]:
    """Everything set aside, most recent first."""
    found = [KINDS[kind].item(row) for kind in KINDS for row in session.scalars(_set_aside(kind))]
    return sorted(found, key=lambda item: item.since or utcnow(), reverse=True)


def item(kind: str, item_id: int) -> Item:
    """One item set aside; ``NotFound`` when there is none of that kind and id set aside."""
    row = session.scalar(_set_aside(kind).where(_kind(kind).model.id == item_id))
    if row is None:
        raise NotFound(f"No {kind} {item_id} needs attention.")
    return KINDS[kind].item(row)


def counts() -> dict[str, int]:
    """How many items of each kind are set aside (kinds with none left out)."""
    numbers = {kind: session.scalar(select(func.count()).select_from(_set_aside(kind).subquery())) for kind in KINDS}
    return {kind: number for kind, number in numbers.items() if number}


def retry(kind: str, item_id: int) -> None:
    """Try the item again at once, with a fresh count of tries; ``Conflict`` naming its state when
    it is no longer set aside (retried or dropped by someone else meanwhile)."""
    spec = _kind(kind)
    _exclusive(kind, item_id, update(spec.model).where(*_still_aside(spec, item_id)).values(**spec.retried(utcnow())))
    audit("attention.retry", f"{kind}:{item_id}")
    session.flush()


def drop(kind: str, item_id: int) -> None:
    """Give the item up: a message or e-mail is deleted; a visit request or registration is
    withdrawn (cancelled, with the reason), its visitor told and its host asked to cancel it.
    ``Conflict`` as for ``retry``."""
    spec = _kind(kind)
    if spec.withdrawn is None:
        _exclusive(kind, item_id, delete(spec.model).where(*_still_aside(spec, item_id)))
    else:
        host = session.scalar(select(Peer.name).join(spec.model).where(spec.model.id == item_id))
        reason = f"Withdrawn by {current_app.config['NODE_NAME']}: it could not be delivered to {host or 'the host'}."
        statement = update(spec.model).where(*_still_aside(spec, item_id)).values(**spec.withdrawn(reason))
        _exclusive(kind, item_id, statement)
        spec.tell(session.get(spec.model, item_id, populate_existing=True))
    audit("attention.drop", f"{kind}:{item_id}")
    session.flush()


@dataclass(frozen=True)
class _Kind:
    model: Any
    item: Callable[[Any], Item]
    aside: Callable[[], tuple]  # the conditions under which a row is set aside
    retried: Callable[[datetime], dict]  # what a retry writes
    state_now: Callable[[Any], str]  # what a row no longer set aside is
    withdrawn: Callable[[str], dict] | None = None  # what a drop writes; None: it deletes the row
    tell: Callable[[Any], None] = lambda row: None  # who hears of a drop


def _kind(kind: str) -> _Kind:
    if kind not in KINDS:
        raise NotFound(f"No kind of item called {kind}: {', '.join(KINDS)}.")
    return KINDS[kind]


def _set_aside(kind: str):
    spec = _kind(kind)
    return select(spec.model).where(*spec.aside())


def _still_aside(spec: _Kind, item_id: int) -> tuple:
    return spec.model.id == item_id, *spec.aside()


def _exclusive(kind: str, item_id: int, statement) -> None:
    """Run ``statement`` (limited to the item while it is set aside); when it changed nothing,
    roll back and raise ``Conflict`` naming what the item is now."""
    changed = session.execute(statement.execution_options(synchronize_session=False))
    if cast(CursorResult, changed).rowcount != 1:
        session.rollback()
        row = session.get(_kind(kind).model, item_id)
        state = "gone (dropped)" if row is None else _kind(kind).state_now(row)
        raise Conflict(f"The {kind} {item_id} is {state}; nothing was changed.")


def _message_item(row: OutboxMessage) -> Item:
    partner = session.get(Peer, row.peer_id)
    name = partner.name if partner else None
    return Item("message", row.id, row.path, row.message_id, name, row.last_error, row.attempts, row.failed_at)


def _notification_item(row: Notification) -> Item:
    return Item(
        "notification", row.id, row.subject, row.recipient_email, None, row.last_error, row.attempts, row.failed_at
    )


def _visit_item(row: Visit) -> Item:
    return _sent_item("visit", row, f"{row.starts_on.isoformat()} – {row.ends_on.isoformat()}")


def _registration_item(row: Registration) -> Item:
    return _sent_item("registration", row, row.event.get("title") or row.event_uid)


def _sent_item(kind: str, row: Any, detail: str) -> Item:
    """A visit request or registration: named by its visitor."""
    subject, attempts = row.visitor.get("name") or row.uid, row.send_attempts
    return Item(kind, row.id, subject, detail, row.peer.name, row.last_send_error, attempts, row.needs_attention_at)


def _sent_state(row: Any) -> str:
    if row.sent_at is not None:
        return f"delivered ({row.state.value})"
    return "withdrawn (cancelled)" if row.state.value == "cancelled" else "waiting to be sent again"


def _withdraw_visit(visit: Visit) -> None:
    """Tell the visitor, and the host: the request may have reached it although no answer came
    back (a host that keeps the seat of a request its home gave up would strand it). A host that
    never saw it answers 404, and that message is set aside in its turn."""
    tell_visitor(visit)
    enqueue(visit.peer, f"{REQUESTS_PATH}/{visit.uid}/cancel", {"message_id": uuid.uuid4().hex, "days": None})


def _withdraw_registration(registration: Registration) -> None:
    event_notices.visitor_update(registration)
    enqueue(registration.peer, f"{REGISTRATIONS_PATH}/{registration.uid}/cancel", {"message_id": uuid.uuid4().hex})


def _home_row_aside(model: Any) -> Callable[[], tuple]:
    return lambda: (model.role == VisitRole.HOME, model.needs_attention_at.is_not(None), model.sent_at.is_(None))


KINDS: dict[str, _Kind] = {
    "message": _Kind(
        OutboxMessage,
        _message_item,
        lambda: (OutboxMessage.failed_at.is_not(None), OutboxMessage.delivered_at.is_(None)),
        lambda now: {"failed_at": None, "attempts": 0, "next_attempt_at": now},
        lambda row: "delivered" if row.delivered_at else "waiting to be sent again",
    ),
    "visit": _Kind(
        Visit,
        _visit_item,
        _home_row_aside(Visit),
        lambda now: {"needs_attention_at": None, "send_attempts": 0, "next_send_at": now},
        _sent_state,
        lambda reason: {
            "needs_attention_at": None,
            "next_send_at": None,
            "state": VisitState.CANCELLED,
            "reason": reason,
        },
        _withdraw_visit,
    ),
    "registration": _Kind(
        Registration,
        _registration_item,
        _home_row_aside(Registration),
        lambda now: {"needs_attention_at": None, "send_attempts": 0, "next_send_at": now},
        _sent_state,
        lambda _reason: {"needs_attention_at": None, "next_send_at": None, "state": RegistrationState.CANCELLED},
        _withdraw_registration,
    ),
    "notification": _Kind(
        Notification,
        _notification_item,
        lambda: (Notification.failed_at.is_not(None), Notification.sent_at.is_(None)),
        lambda now: {"failed_at": None, "attempts": 0, "next_attempt_at": now},
        lambda row: "sent" if row.sent_at else "waiting to be sent again",
    ),
}
