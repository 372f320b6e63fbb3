"""Host staff's dashboard: requests waiting for a decision (soonest deadline first) with what
was asked at a glance (visitor, company, dates, services, price, deadline) and a way to each
visit's page, today's visitors with their check-in, and upcoming confirmed visits."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from roaming.accounts.security import STAFF, csrf_valid, require_page
from roaming.db import utcnow
from roaming.errors import DomainError, NotFound
from roaming.visits import asked, hosting
from roaming.visits.models import VisitState

bp = Blueprint("dashboard", __name__)
UPCOMING = 20


@bp.get("/staff")
@require_page(*STAFF)
def dashboard():
    pending = sorted(hosting.list_hosted(VisitState.REQUESTED), key=lambda visit: visit.deadline_at or utcnow())
    today = utcnow().date()
    upcoming = [visit for visit in hosting.list_hosted(VisitState.CONFIRMED) if visit.starts_on > today][:UPCOMING]
    return render_template(
        "visits/dashboard.html",
        pending=pending,
        visitors=hosting.todays_visitors(),
        upcoming=upcoming,
        now=utcnow(),
        services_asked=asked.services_asked,
        free_days_used=asked.free_days_used,
    )


@bp.post("/staff/visits/<uid>/check-in")
@require_page(*STAFF)
def check_in(uid: str):
    try:
        visit = hosting.hosted_visit(uid)
    except NotFound:
        abort(404)
    try:
        if not csrf_valid():
            raise DomainError(_("The form expired; please try again."))
        hosting.check_in(visit, "host")
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        flash(_("%(name)s is checked in.", name=visit.visitor.get("name", "")), "ok")
    return redirect(url_for("dashboard.dashboard"))
