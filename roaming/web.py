"""The node's front page and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask import session as browser_session
from sqlalchemy import func, select

from roaming import i18n
from roaming.accounts.security import csrf_token, csrf_valid, current_user
from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, MeetingRoom, Service
from roaming.db import session
from roaming.links import external_link, page_href
from roaming.peers.models import Peer, PeerStatus
from roaming.redirects import safe_next

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
