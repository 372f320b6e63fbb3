"""The node's front page, the language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask import session as browser_session
from sqlalchemy import func, select, text

from roaming import __version__, i18n
from roaming.accounts.pages import safe_next
from roaming.accounts.security import csrf_token, csrf_valid, current_user
from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, MeetingRoom, Service
from roaming.db import session
from roaming.peers.models import Peer, PeerStatus

bp = Blueprint("web", __name__)


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


@bp.post("/language")
def language():
    """Switch the page language; a member's choice is also saved as their profile's language."""
    chosen = request.form.get("language")
    if chosen in i18n.LANGUAGES and csrf_valid():
        browser_session["language"] = chosen
        user = current_user()
        if user is not None and user.person is not None:
            user.person.language = chosen
            session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, as JSON."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        current_app.logger.exception("Health check: database unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "node": current_app.config["NODE_NAME"], "version": __version__}
