"""Staff see their partners: trust, catalogue sync, message delivery and the agreement terms in
force with each; they can ask for a sync at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from roaming.accounts.security import STAFF, csrf_valid, require_page
from roaming.agreement.terms import local_terms
from roaming.errors import NotFound
from roaming.peers import operations as ops
from roaming.peers.variations import effective_terms, variation_for

bp = Blueprint("peer_pages", __name__, url_prefix="/staff/partners")


@bp.get("")
@require_page(*STAFF)
def partners():
    rows = ops.sync_and_delivery_status()
    for row in rows:
        row["terms"] = effective_terms(row["peer"])
        row["variation"] = variation_for(row["peer"])
    return render_template("peers/partners.html", rows=rows, local_terms=local_terms())


@bp.post("/<node_id>/sync")
@require_page(*STAFF)
def sync(node_id: str):
    try:
        peer = ops.get_peer(node_id)
    except NotFound:
        abort(404)
    if csrf_valid():
        ops.request_sync(peer)
        flash(_("A sync with %(name)s was requested; the worker pulls its changes in a moment.", name=peer.name), "ok")
    return redirect(url_for("peer_pages.partners"))
