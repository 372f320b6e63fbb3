"""Staff see what the node stopped trying on its own ("Needs attention") and retry or drop each
item; a button leads to a page that asks to confirm, and only the confirmation changes anything."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from roaming.accounts.security import STAFF, csrf_valid, require_page
from roaming.attention import operations as attention
from roaming.errors import DomainError, NotFound

bp = Blueprint("attention_pages", __name__, url_prefix="/staff/attention")


@bp.get("")
@require_page(*STAFF)
def needs_attention():
    return render_template("attention/list.html", items=attention.items())


@bp.get("/<kind>/<int:item_id>/<action>")
@require_page(*STAFF)
def confirm(kind: str, item_id: int, action: str):
    """The item, and the question whether to retry or drop it."""
    if action not in attention.ACTIONS:
        abort(404)
    try:
        item = attention.item(kind, item_id)
    except NotFound:
        flash(_("That item no longer needs attention."), "error")
        return redirect(url_for("attention_pages.needs_attention"))
    return render_template("attention/confirm.html", item=item, action=action)


@bp.post("/<kind>/<int:item_id>/<action>")
@require_page(*STAFF)
def act(kind: str, item_id: int, action: str):
    """The confirmed retry or drop; refused (with the item's state now) when someone else retried
    or dropped it first."""
    if action not in attention.ACTIONS:
        abort(404)
    if not csrf_valid():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("attention_pages.confirm", kind=kind, item_id=item_id, action=action))
    try:
        attention.retry(kind, item_id) if action == "retry" else attention.drop(kind, item_id)
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        flash(_("It is tried again now.") if action == "retry" else _("It was dropped."), "ok")
    return redirect(url_for("attention_pages.needs_attention"))
