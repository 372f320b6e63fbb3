"""Members register for a partner's event, or cancel, from the event's page."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from roaming.accounts.security import current_user, require_page
from roaming.errors import DomainError, NotFound
from roaming.events import attending
from roaming.labels import REGISTRATION_STATES, label

bp = Blueprint("event_pages", __name__)


@bp.app_template_global()
def new_id() -> str:
    """A fresh request id for a form, so pressing the button twice asks once."""
    return str(uuid.uuid4())


@bp.post("/clusters/<node_id>/events/<uid>/register")
@require_page()
def register(node_id: str, uid: str):
    data = {"host": node_id, "event": uid}
    try:
        data["registration_id"] = str(uuid.UUID(request.form.get("registration_id", "")))
    except ValueError:
        pass
    try:
        registration, _created = attending.register(current_user(), data)
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        flash(_("Your registration: %(state)s.", state=label(REGISTRATION_STATES, registration.state)), "ok")
    return redirect(url_for("search_pages.event", node_id=node_id, uid=uid))


@bp.post("/me/registrations/<uid>/cancel")
@require_page()
def cancel(uid: str):
    try:
        registration = attending.my_registration(current_user(), uid)
    except NotFound:
        abort(404)
    try:
        attending.cancel(registration)
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        flash(_("Your registration is cancelled."), "ok")
    return redirect(url_for("search_pages.event", node_id=registration.peer.node_id, uid=registration.event_uid))
