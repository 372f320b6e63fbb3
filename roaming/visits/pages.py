"""Visit pages: the visitor's check-in link (with its QR code), host staff's decision page, and
the personal calendar feed. Staff pages ask for a login first; forms carry the CSRF token."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from roaming.accounts.security import STAFF, csrf_valid, require_page
from roaming.db import session
from roaming.errors import DomainError, NotFound
from roaming.visits import feeds, hosting
from roaming.visits.documents import checkin_url
from roaming.visits.models import Visit, VisitRole, VisitState
from roaming.visits.notices import qr_svg

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
            except DomainError as refused:
                error = refused.message
    url = checkin_url(visit)
    return render_template(
        "visits/checkin.html", visit=visit, error=error, qr=qr_svg(url), url=url
    ), 409 if error else 200


@bp.route("/host/visits/<uid>", methods=["GET", "POST"])
@require_page(*STAFF)
def review(uid: str):
    """Host staff see a request and approve or decline it (the staff e-mail links here)."""
    try:
        visit = hosting.hosted_visit(uid)
    except NotFound:
        abort(404)
    error = None
    if request.method == "POST":
        decision = request.form.get("decision")
        try:
            if not csrf_valid():
                raise DomainError("The form expired; please try again.")
            if decision == "approve":
                hosting.approve(visit)
            elif decision == "decline":
                hosting.decline(visit, request.form.get("reason", ""))
            else:
                raise DomainError("Choose approve or decline.")
        except ValidationError as invalid:
            error = "; ".join(message for messages in invalid.messages.values() for message in messages)
        except DomainError as refused:
            error = refused.message
        else:
            return redirect(url_for("visit_pages.review", uid=uid))
    return render_template(
        "visits/review.html",
        visit=visit,
        error=error,
        undecided=visit.state is VisitState.REQUESTED,
        chosen=request.args.get("decision"),  # from the e-mail's links: nothing changes until confirmed
    )
