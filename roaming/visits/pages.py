"""Visit pages. Visitors: the request form (terms, free days left, price, problems beside the
fields), "my visits" with each visit's timeline, cancelling, the calendar entry and the personal
calendar feed, the check-in link. Host staff: the decision page. Pages ask for a login first;
forms carry the CSRF token."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from roaming.accounts.models import User
from roaming.accounts.security import STAFF, csrf_valid, current_user, require_page
from roaming.audit.operations import audit, audit_read
from roaming.db import session
from roaming.errors import Conflict, DomainError, NotFound
from roaming.peers import mirror
from roaming.peers.registry import federation_terms
from roaming.visits import asked, feeds, hosting, ics, option_controls, seat_calendar, visiting
from roaming.visits.documents import checkin_url
from roaming.visits.models import Visit, VisitRole, VisitState
from roaming.visits.notices import qr_svg
from roaming.visits.quotes import flat_messages
from roaming.visits.schemas import CancelSchema, VisitRequestSchema

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


def _planned(values: dict, services: list[str], options: dict[str, dict]) -> dict:
    """The form's fields as the visit schemas take them (unknown and empty ones left out); the
    quote and the request take the same ones (the quote without the message)."""
    data = {key: values.get(key) for key in ("host", "desk", "first_day", "last_day", "message") if values.get(key)}
    people = values.get("people") or "1"
    data["people"] = int(people) if people.isdigit() else people
    data["services"] = services
    data["service_options"] = options
    return data


def _field_errors(messages: dict | list) -> dict[str, list[str]]:
    """Messages by dotted field path ("" -- about the whole form -- becomes "_form")."""
    errors: dict[str, list[str]] = {}
    for name, message in flat_messages(messages):
        errors.setdefault(name or "_form", []).append(message)
    return errors


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _picked(values: dict, day: str) -> dict:
    """``values`` with the first and last day after picking ``day`` on the calendar."""
    picked = _day(day)
    if picked is None:
        return values
    first, last = seat_calendar.pick(_day(values.get("first_day")), _day(values.get("last_day")), picked)
    return values | {"first_day": first.isoformat(), "last_day": last.isoformat() if last else ""}


def _send(user: User, data: dict) -> tuple[Visit | None, dict]:
    """The request sent, or why not (messages by field)."""
    try:
        visit, _created = visiting.request_visit(user, VisitRequestSchema().load(data))
    except ValidationError as invalid:
        return None, _field_errors(invalid.messages)
    except visiting.HostRefused as refused:
        return None, _field_errors(refused.errors or {}) or {"_form": [refused.message]}
    except DomainError as refused:
        return None, {"_form": [refused.message]}
    return visit, {}


def _check(user: User, data: dict) -> tuple[dict | None, dict]:
    """The host's quote for the planned visit (the same fields as the request) and its problems
    by field, or why there is none."""
    try:
        quote = visiting.ask_quote(user, VisitRequestSchema().load(data))
    except ValidationError as invalid:
        return None, _field_errors(invalid.messages)
    except DomainError as refused:
        return None, {"_form": [refused.message]}
    return quote, _field_errors(quote.get("problems") or {})


FORM_FIELDS = ("first_day", "last_day", "people", "message", "desk", "services", "service_options")


def _placed(errors: dict[str, list[str]], offered: list) -> dict[str, list[str]]:
    """``errors`` with those about a field the form does not show (an option the host's schema
    does not describe, say) moved to the form's own, named, so that none goes unseen."""
    shown, readable = set(FORM_FIELDS), {}
    for service, controls in offered:
        shown |= {f"service_options.{service.uid}", *(control.name for control in controls)}
        readable[f"service_options.{service.uid}."] = f"{service.data.get('name', '')}, "
    placed: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if name == "_form" or name in shown:
            placed.setdefault(name, []).extend(messages)
            continue
        prefix = next((prefix for prefix in readable if name.startswith(prefix)), None)
        named = readable[prefix] + name.removeprefix(prefix) if prefix else name
        placed.setdefault("_form", []).extend(f"{named}: {message}" for message in messages)
    return placed


def _max_people(terms: dict, desk: dict) -> int:
    """People one visit may bring: the host's terms (as its quote told them; else the federation's)
    and the desk's seats, whichever is fewer."""
    told = terms.get("max_people") if isinstance(terms, dict) else None
    allowed = told if isinstance(told, int) and told > 0 else federation_terms()["max_people"]
    seats = desk.get("seats")
    return min(allowed, seats) if isinstance(seats, int) and seats > 0 else allowed


@bp.route("/visits/new", methods=["GET", "POST"])
@require_page()
def new_visit():
    """Plan a visit. A link (from the desk's calendar) fills the form and checks its dates at once.
    The posted form (CSRF-checked) picks a day on the calendar (``pick``), shows other weeks
    (``move``), checks the dates and terms (``action=check``: the host's quote) or sends the
    request (``action=send``); each keeps everything typed."""
    form = request.form if request.method == "POST" else request.args
    try:
        peer = mirror.partner(form.get("host", ""))
        desk = mirror.partner_item(peer, "desk", form.get("desk", ""))
    except NotFound:
        abort(404)
    services = [item for item in mirror.partner_items(peer).get("service", []) if item.data.get("kind") != "desk"]
    values = form.to_dict()
    action = "check" if values.get("first_day") and values.get("last_day") else None
    errors: dict = {}
    if request.method == "POST":
        action = values.get("action") or "check"
        if not csrf_valid():
            errors, action = {"_form": [_("The form expired; please send it again.")]}, None
        elif values.get("pick"):
            values = _picked(values, values["pick"])
            action = "check" if values.get("last_day") else None
        elif values.get("move"):
            action = None
    chosen = [uid for uid in form.getlist("services") if uid]
    schemas = {item.uid: item.data.get("request_options") for item in services}
    data = _planned(values, chosen, option_controls.chosen_options(form, chosen, schemas))
    quote = None
    if action == "send":
        visit, errors = _send(current_user(), data | {"visit_id": values.get("visit_id") or str(uuid.uuid4())})
        if visit is not None:
            flash(_("Your request was sent to %(host)s.", host=peer.name), "ok")
            return redirect(url_for("visit_pages.my_visit", uid=visit.uid))
    elif action == "check":
        quote, errors = _check(current_user(), data)
    first, last = _day(values.get("first_day")), _day(values.get("last_day"))
    calendar = seat_calendar.seat_calendar(
        current_user(),
        peer.node_id,
        desk.uid,
        seat_calendar.week_start(values.get("move") or values.get("calendar") or first),
        first,
        last,
    )
    terms = (quote or {}).get("terms") or calendar.terms
    offered = [(item, option_controls.controls(item.uid, schemas[item.uid], first, last)) for item in services]
    return render_template(
        "visits/new.html",
        peer=peer,
        desk=desk.data,
        services=offered,
        values=values,
        chosen=chosen,
        quote=quote,
        errors=_placed(errors, offered),
        calendar=calendar,
        first_day=first,
        max_people=_max_people(terms, desk.data),
        visit_id=str(uuid.uuid4()),  # a new id for each sending; pressed twice, one form books once
    ), 422 if errors else 200


def _my_visit(uid: str):
    try:
        return visiting.my_visit(current_user(), uid)
    except NotFound:
        abort(404)


@bp.get("/me/visits/<uid>")
@require_page()
def my_visit(uid: str):
    """The visitor's visit. ``?cancel=all`` or ``?cancel=<a booked day>`` (the page's cancel
    buttons) opens the step that asks to confirm; nothing changes until it is confirmed."""
    visit = _my_visit(uid)
    mine = _is_visitor(visit)  # staff see it too, but cancel through the API
    asked = request.args.get("cancel")
    booked = {day.day for day in visit.booked_days()}
    cancelling = "all" if asked == "all" else _day(asked) if _day(asked) in booked else None
    return render_template(
        "visits/visit.html",
        visit=visit,
        offers_calendar=visit.state not in ics.CLOSED_STATES,
        mine=mine,
        cancelling=cancelling if mine and visit.state.is_open else None,
    )


def _is_visitor(visit: Visit) -> bool:
    user = current_user()
    return user is not None and user.person_id is not None and visit.person_id == user.person_id


@bp.post("/me/visits/<uid>/cancel")
@require_page()
def cancel_visit(uid: str):
    """The visitor cancels the whole visit, or only the days posted as ``day`` (ISO dates). Only
    the visitor: staff who may see the page act through the API, which records who did it."""
    visit = _my_visit(uid)
    if not _is_visitor(visit):
        abort(404)
    host = visit.peer.name
    given = [_day(value) for value in request.form.getlist("day")]
    days = [day for day in given if day is not None] or None
    try:
        if len(days or []) < len(given):
            raise DomainError(_("Choose a day of the visit to cancel."))
        visiting.cancel(visit, days)
    except ValidationError as invalid:
        flash(" ".join(message for _name, message in flat_messages(invalid.messages)), "error")
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        if not visiting.cancellation_waiting(visit, [day.isoformat() for day in days] if days else None):
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
