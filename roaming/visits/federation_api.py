"""Visit messages between nodes (under /federation/visits): signed requests from active peers,
answered with signed visit documents. See docs/protocol.md, "Visits"."""

from __future__ import annotations

from flask import Blueprint, g

from roaming import signals
from roaming.db import utcnow
from roaming.peers.delivery import accept_once
from roaming.peers.inbound import json_body, signed_by_peer, signed_json
from roaming.visits import hosting, visiting
from roaming.visits.documents import document
from roaming.visits.quotes import make_quote
from roaming.visits.schemas import WireCancelSchema, WireQuoteSchema, WireRequestSchema, WireUpdateSchema

bp = Blueprint("federation_visits", __name__, url_prefix="/federation/visits")


@bp.post("/quote")
@signed_by_peer
def quote():
    """What a planned visit would be under our terms for the peer's member company."""
    data = json_body(WireQuoteSchema())
    return signed_json(make_quote(g.peer, data["company_ref"], data, utcnow()).as_dict())


@bp.post("")
@signed_by_peer
def visit_request():
    """A visit request with the home node's attestation: 201 with the visit document, 200 when
    the same request id was received before."""
    data = json_body(WireRequestSchema())
    visit, created = hosting.receive_request(g.peer, data)
    return signed_json(document(visit), 201 if created else 200)


@bp.post("/<uid>/cancel")
@signed_by_peer
def cancel(uid: str):
    """The visitor cancels through their home node (whole visit, or some days)."""
    data = json_body(WireCancelSchema())
    if accept_once(g.peer, data["message_id"]):
        visit = hosting.cancel_from_home(g.peer, uid, data["days"])
    else:
        visit = hosting.hosted_visit_of(g.peer, uid)
    return signed_json(document(visit))


@bp.post("/updates")
@signed_by_peer
def update():
    """The host of one of our members' visits tells us what the visit is now: 202, or 422 naming
    the receipts in it that we refused (the rest of the update is applied)."""
    data = json_body(WireUpdateSchema())
    if accept_once(g.peer, data["message_id"]):
        visiting.apply_host_document(g.peer, data["visit"])
    refused = signals.answers(signals.refused_receipts, data["visit"].get("receipts"))
    return signed_json(refused[0], 422) if refused else signed_json({"accepted": True}, 202)
