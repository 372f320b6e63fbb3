"""Visit pages. Visitors: the request form (terms, free days left, price, problems beside the
fields), "my visits" with each visit's timeline, cancelling, the calendar entry and the personal
calendar feed, the check-in link. Host staff: the decision page. Pages ask for a login first;
forms carry the CSRF token."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from roaming.accounts.security import STAFF, csrf_valid, current_user, require_page
from roaming.audit.operations import audit, audit_read
from roaming.db import session
from roaming.errors import Conflict, DomainError, NotFound
from roaming.peers import mirror
from roaming.visits import asked, feeds, hosting, ics, visiting
from roaming.visits.documents import checkin_url
from roaming.visits.models import Visit, VisitRole, VisitState
from roaming.visits.notices import qr_svg
from roaming.visits.quotes import flat_messages
from roaming.visits.schemas import CancelSchema, PlannedVisitSchema, VisitRequestSchema

bp = Blueprint("visit_pages", __name__)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    try:
        body = feeds.feed_calendar(token)
    except NotFound:
        abort(404)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


def _visit_by_checkin_token(token: str) -> Visit:
    visit = session.scalar(select(Visit).where(Visit.checkin_token == token, Visit.role == VisitRole.HOST))
    if visit is None:
        abort(404)
    return visit


@bp.route("/checkin/<token>", methods=["GET", "POST"])
def checkin(token: str):
    """The visitor's personal check-in link: open it at the desk and press the button."""
    visit = _visit_by_checkin_token(token)
    error = None
    if request.method == "POST":
        if not csrf_valid():
            error = "The form expired; please press the button again."
        else:
            try:
                hosting.check_in(visit, "visitor")
            except DomainError as refused:  # e.g. today's day cancelled meanwhile: show the visit as it is now
                error = refused.message
                session.rollback()
                visit = _visit_by_checkin_token(token)
    url = checkin_url(visit)
    return render_template(
        "visits/checkin.html", visit=visit, error=error, qr=qr_svg(url), url=url
    ), 409 if error else 200


DECISIONS = ("approve", "decline", "cancel", "check_in")


def _hosted(uid: str) -> Visit:
    try:
        return hosting.hosted_visit(uid)
    except NotFound:
        abort(404)


@bp.route("/host/visits/<uid>", methods=["GET", "POST"])
@require_page(*STAFF)
def review(uid: str):
    """Host staff see everything a visit asked for and act on it in one place: approve, decline
    with a reason, cancel days, check the visitor in. ``?decision=<one of DECISIONS>`` (the staff
    e-mail's links, the page's own buttons) opens that step: what will happen and a button to
    confirm it, nothing changed until pressed. A change made ends with a message and the visit as
    it is now; one refused shows why (a change someone made meanwhile: 409, the visit as it is now;
    bad input: 422, beside its field, what was typed kept)."""
    visit = _hosted(uid)
    chosen = request.values.get("decision")
    chosen = chosen if chosen in DECISIONS else None
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            if not csrf_valid():
                raise DomainError(_("The form expired; please try again."))
            if chosen is None:
                raise DomainError(_("Choose what to do with the visit."))
            done = _decide(visit, chosen, request.form)
        except ValidationError as invalid:
            errors, status = _field_errors(invalid.normalized_messages()), 422
        except DomainError as refused:
            errors, status = {"_form": [refused.message]}, refused.status
            if isinstance(refused, Conflict):
                chosen = None  # the visit is not what the step was about any more: show it as it is
        else:
            audit(f"visit.{chosen}", f"visit:{uid}")
            flash(done, "ok")
            return redirect(request.path, 303)
        session.rollback()
        visit = _hosted(uid)
    audit_read("visit.read", f"visit:{uid}")  # staff see the visitor's details, as through the API
    zone = hosting.location_of(visit).timezone
    return render_template(
        "visits/review.html",
        visit=visit,
        chosen=chosen,
        errors=errors,
        form=request.form,
        zone=zone,
        when=asked.when,
        services=asked.services_asked(visit),
        free_days=asked.free_days_used(visit),
        cancellable=hosting.cancellable_days(visit),
        checkin_day=hosting.checkin_day(visit),
    ), status


def _decide(visit: Visit, decision: str, form) -> str:
    """Make the change staff confirmed; returns the message saying it is done. Raises
    ``ValidationError`` or ``DomainError`` as the operations do."""
    name = visit.visitor.get("name", "")
    if decision == "approve":
        hosting.approve(visit)
        return _("You approved the visit of %(name)s; they are told.", name=name)
    if decision == "decline":
        hosting.decline(visit, form.get("reason", ""))
        return _("You declined the request of %(name)s; they are told why.", name=name)
    if decision == "cancel":
        if not form.getlist("days"):
            raise ValidationError({"days": [_("Tick the days to cancel.")]})
        asked_for = CancelSchema().load({"days": form.getlist("days"), "reason": form.get("reason", "")})
        hosting.cancel_by_host(visit, asked_for["reason"], asked_for["days"])
        if visit.state is VisitState.CANCELLED:
            return _("The visit of %(name)s is cancelled; they are told why.", name=name)
        return _("The days you chose are cancelled; %(name)s is told why.", name=name)
    hosting.check_in(visit, "host")
    return _("%(name)s is checked in for today.", name=name)


def _planned(form) -> dict:
    """The form's fields as the visit schemas take them (unknown and empty ones left out)."""
    data = {key: form.get(key) for key in ("host", "desk", "first_day", "last_day", "message") if form.get(key)}
    people = form.get("people", "1")
    data["people"] = int(people) if people.isdigit() else people
    data["services"] = form.getlist("services")
    return data


def _field_errors(messages: dict) -> dict[str, list[str]]:
    """Messages by dotted field path ("" -- about the whole form -- becomes "_form")."""
    errors: dict[str, list[str]] = {}
    for name, message in flat_messages(messages):
        errors.setdefault(name or "_form", []).append(message)
    return errors


@bp.route("/visits/new", methods=["GET", "POST"])
@require_page()
def new_visit():
    """Plan a visit: "Check" asks the host for its terms and a price; "Send" asks for the desk."""
    form = request.form if request.method == "POST" else request.args
    try:
        peer = mirror.partner(form.get("host", ""))
        desk = mirror.partner_item(peer, "desk", form.get("desk", ""))
    except NotFound:
        abort(404)
    services = mirror.partner_items(peer).get("service", [])
    errors: dict = {}
    quote = None
    data = _planned(form)
    if request.method == "POST":
        data["visit_id"] = form.get("visit_id") or str(uuid.uuid4())
        try:
            if not csrf_valid():
                raise DomainError(_("The form expired; please send it again."))
            visit, _created = visiting.request_visit(current_user(), VisitRequestSchema().load(data))
        except ValidationError as invalid:
            errors = _field_errors(invalid.messages)
        except visiting.HostRefused as refused:
            errors = _field_errors(refused.errors or {}) or {"_form": [refused.message]}
        except DomainError as refused:
            errors = {"_form": [refused.message]}
        else:
            flash(_("Your request was sent to %(host)s.", host=peer.name), "ok")
            return redirect(url_for("visit_pages.my_visit", uid=visit.uid))
    elif form.get("first_day") or form.get("last_day"):
        try:
            planned = {key: value for key, value in data.items() if key != "message"}  # a quote needs no message
            quote = visiting.ask_quote(current_user(), PlannedVisitSchema().load(planned))
        except ValidationError as invalid:
            errors = _field_errors(invalid.messages)
        except DomainError as refused:
            errors = {"_form": [refused.message]}
        else:
            errors = _field_errors(quote.get("problems") or {})
    return render_template(
        "visits/new.html",
        peer=peer,
        desk=desk.data,
        services=services,
        form=form,
        data=data,
        quote=quote,
        errors=errors,
        visit_id=str(uuid.uuid4()),
    ), 422 if errors else 200


def _my_visit(uid: str):
    try:
        return visiting.my_visit(current_user(), uid)
    except NotFound:
        abort(404)


@bp.get("/me/visits/<uid>")
@require_page()
def my_visit(uid: str):
    visit = _my_visit(uid)
    return render_template("visits/visit.html", visit=visit, offers_calendar=visit.state not in ics.CLOSED_STATES)


@bp.post("/me/visits/<uid>/cancel")
@require_page()
def cancel_visit(uid: str):
    visit = _my_visit(uid)
    host = visit.peer.name
    try:
        visiting.cancel(visit)
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        if not visiting.cancellation_waiting(visit):
            flash(_("%(host)s has your cancellation.", host=host), "ok")
        else:
            flash(
                _(
                    "%(host)s cannot be reached right now: your cancellation is passed on as soon as it can be.",
                    host=host,
                ),
                "ok",
            )
    return redirect(url_for("visit_pages.my_visit", uid=uid))


@bp.get("/me/visits/<uid>.ics")
@require_page()
def visit_calendar(uid: str):
    """The visit as a calendar entry to download; a visit declined, expired or cancelled has none."""
    visit = _my_visit(uid)
    if visit.state in ics.CLOSED_STATES:
        abort(404)
    return Response(
        ics.calendar([visit], name=visit.peer.name),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="visit-{visit.uid[:8]}.ics"'},
    )
