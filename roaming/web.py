"""The node's front page and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select, text

from roaming import __version__
from roaming.accounts.security import csrf_token, current_user
from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, MeetingRoom, Service
from roaming.catalogue.operations import LABELS
from roaming.db import session

bp = Blueprint("web", __name__)


@bp.app_context_processor
def _page_globals():
    return {"current_user": current_user, "csrf_token": csrf_token, "node_name": current_app.config["NODE_NAME"]}


@bp.get("/")
def home():
    counts = {
        LABELS[model]: session.scalar(select(func.count()).select_from(model))
        for model in (Location, Desk, MeetingRoom, Service, Event)
    }
    profile = session.scalar(select(ClusterProfile))
    return render_template("home.html", profile=profile, counts=counts)


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, as JSON."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        current_app.logger.exception("Health check: database unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "node": current_app.config["NODE_NAME"], "version": __version__}
