"""What people are told about visits, queued in the transaction of the change.

On the host, staff hear of new requests (with links to approve or decline, and the deadline) and
of cancellations. On the home node, the visitor hears of every state change of their visit, in
their language where known, with the calendar entry (.ics) attached and, once confirmed, their
check-in link and its QR code.
"""

from __future__ import annotations

import base64
import io

import segno
from flask import current_app, render_template
from sqlalchemy import select

from roaming import signals
from roaming.accounts.models import Role, User
from roaming.db import session
from roaming.i18n import day, written_in
from roaming.members.models import Person
from roaming.notify import Attachment, Message, Recipient
from roaming.notify.operations import queue
from roaming.visits import ics
from roaming.visits.models import Visit, VisitRole, VisitState
from roaming.visits.texts import HEADLINES, STAFF_SUBJECTS, VISITOR_SUBJECTS

S = VisitState


def staff_recipients() -> list[Recipient]:
    users = session.execute(
        select(User.email, User.name)
        .where(User.active.is_(True), User.role.in_((Role.ADMIN, Role.HOST_STAFF)))
        .order_by(User.id)
    )
    return [Recipient(email, name, "en") for email, name in users]


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def new_request(visit: Visit) -> None:
    """Host side: tell staff of a new request (to decide) or of an instant booking."""
    kind = "visit.request" if visit.state is S.REQUESTED else "visit.booked"
    for recipient in staff_recipients():
        _queue_staff(recipient, visit, kind)


def state_changed(visit: Visit, old: VisitState, new: VisitState) -> None:
    """Host side: staff hear when a visitor cancels (they made the other decisions themselves)."""
    if new is S.CANCELLED and visit.history and visit.history[-1]["by"] == "visitor":
        for recipient in staff_recipients():
            _queue_staff(recipient, visit, "visit.cancelled_by_visitor")


def _queue_staff(recipient: Recipient, visit: Visit, kind: str) -> None:
    link = f"{_base_url()}/host/visits/{visit.uid}"
    context = {"visit": visit, "kind": kind, "review_url": link, "node": current_app.config["NODE_NAME"]}
    with written_in(recipient.language):
        message = Message(
            kind=kind,
            subject=STAFF_SUBJECTS[kind] % {"name": visit.visitor.get("name", ""), "first": day(visit.starts_on)},
            text=render_template("mail/visit_staff.txt", **context),
            html=render_template("mail/visit_staff.html", **context),
        )
    queue(recipient, message)


def visitor_update(visit: Visit, recipient: Recipient, *, state_changed: bool = True) -> None:
    """Home side: tell the visitor what their visit is now (its new state, or changed days)."""
    topic = visit.state.value if state_changed else "changed"
    host = visit.peer.name
    attachments = [
        Attachment(
            "visit.ics",
            f"text/calendar; method={ics.method_for(visit)}; charset=utf-8",
            ics.calendar([visit], method=ics.method_for(visit)),
        )
    ]
    context = {"visit": visit, "host": host}
    checkin_url = visit.resource.get("checkin_url")
    if visit.state is S.CONFIRMED and checkin_url:
        context["qr_data_uri"] = _qr_data_uri(checkin_url)
    with written_in(recipient.language):
        context["headline"] = HEADLINES[topic] % {"host": host}
        message = Message(
            kind=f"visit.{topic}",
            subject=VISITOR_SUBJECTS[topic] % {"host": host, "first": day(visit.starts_on)},
            text=render_template("mail/visit_visitor.txt", **context),
            html=render_template("mail/visit_visitor.html", **context),
            attachments=tuple(attachments),
        )
    queue(recipient, message)


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG element."""
    return segno.make(url, error="m").svg_inline(scale=4, title=url)


def _qr_data_uri(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=5)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def tell_visitor(visit: Visit, state_changed: bool = True) -> None:
    """Queue the visitor's e-mail about what their visit is now (in the caller's transaction)."""
    person = session.get(Person, visit.person_id) if visit.person_id else None
    if person is not None:
        recipient = Recipient(person.email, person.name, person.language or "en")
        visitor_update(visit, recipient, state_changed=state_changed)


@signals.visit_changed.connect
def on_visit(visit: Visit, *, side: str, what: str, old: VisitState | None, **_) -> None:
    """Staff hear of new requests and visitors' cancellations (host side); the visitor of every
    new state and change of days (home side), not of the request they just made."""
    if side == VisitRole.HOST:
        if what == "requested":
            new_request(visit)
        elif what != "days_changed" and old is not None:
            state_changed(visit, old, visit.state)
    elif old is not None and what != "updated":
        tell_visitor(visit, state_changed=what != "days_changed")
