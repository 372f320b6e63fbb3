"""The node's front page, a member's own page (their visits, event registrations and surveys to
answer) and the language switch."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask import session as browser_session
from sqlalchemy import func, select

from roaming import i18n
from roaming.accounts.security import csrf_token, csrf_valid, current_user, require_page
from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, MeetingRoom, Service
from roaming.db import session
from roaming.events.attending import my_registrations
from roaming.followup.operations import my_surveys
from roaming.hookspecs import hookimpl
from roaming.links import external_link, page_href
from roaming.peers.models import Peer, PeerStatus
from roaming.redirects import safe_next
from roaming.visits import feeds, visiting

bp = Blueprint("web", __name__)


bp.add_app_template_global(external_link)
bp.add_app_template_filter(page_href)


@bp.app_context_processor
def _page_globals():
    return {"current_user": current_user, "csrf_token": csrf_token, "node_name": current_app.config["NODE_NAME"]}


@bp.get("/")
def home():
    counts = {
        kind: session.scalar(select(func.count()).select_from(model))
        for kind, model in (
            ("locations", Location),
            ("desks", Desk),
            ("rooms", MeetingRoom),
            ("services", Service),
            ("events", Event),
        )
    }
    partners = session.scalar(select(func.count()).select_from(Peer).where(Peer.status == PeerStatus.ACTIVE))
    profile = session.scalar(select(ClusterProfile))
    return render_template("home.html", profile=profile, counts=counts, partners=partners)


@bp.get("/me/visits")
@require_page()
def my_visits():
    """A member's own page: their visits, event registrations and the surveys waiting for them."""
    user = current_user()
    feed = feeds.feed_for(user.person) if user.person is not None else None
    return render_template(
        "visits/mine.html",
        visits=sorted(visiting.my_visits(user), key=lambda visit: visit.starts_on, reverse=True),
        registrations=my_registrations(user),
        surveys=[survey for survey in my_surveys(user.person_id) if survey.answered_at is None],
        feed_url=url_for("visit_pages.calendar_feed", token=feed.token, _external=True) if feed else None,
    )


@bp.post("/language")
def language():
    """Switch the page language; a member's choice is also saved as their profile's language."""
    chosen = request.form.get("language")
    if chosen in i18n.LANGUAGES and csrf_valid():
        browser_session["language"] = chosen
        user = current_user()
        if user is not None and user.person is not None:
            user.person.language = chosen
    return redirect(safe_next(request.form.get("next")))


def home_zone() -> str | None:
    """The node's own time zone: its first location's (``roaming.i18n.HOME_ZONE``)."""
    return session.scalar(select(Location.timezone).order_by(Location.id).limit(1))


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    """The built-in part ``web``."""
    app.register_blueprint(bp)
    app.extensions[i18n.HOME_ZONE] = home_zone
