"""The federation's own endpoints (under /federation): only signed requests from active peers."""

from __future__ import annotations

from flask import Blueprint, g, request
from marshmallow import ValidationError

from roaming.catalogue.operations import change_feed
from roaming.catalogue.schemas import ChangeQuerySchema
from roaming.errors import error_body
from roaming.identity.operations import node_id
from roaming.peers import operations as ops
from roaming.peers.delivery import accept_once
from roaming.peers.inbound import signed_by_peer, signed_json
from roaming.peers.schemas import NoticeSchema

bp = Blueprint("federation", __name__, url_prefix="/federation")


@bp.post("/ping")
@signed_by_peer
def ping():
    """Does this node accept the sender's signature? Changes nothing: a partner's `roaming check`
    uses it to test trust both ways, and benchmarks as the cost of a signed exchange alone."""
    return signed_json({"node_id": node_id(), "peer": g.peer.node_id})


@bp.get("/catalogue/changes")
@signed_by_peer
def catalogue_changes():
    """The change feed, as /api/catalogue/changes, signed by this node."""
    try:
        query = ChangeQuerySchema().load(request.args.to_dict())
    except ValidationError as error:
        return signed_json(error_body(422, "Bad query.", {"query": error.normalized_messages()}), 422)
    return signed_json(change_feed(query["since"], query["limit"]))


@bp.post("/notices")
@signed_by_peer
def notices():
    """A peer announces a change; we pull it soon. Duplicates are harmless."""
    try:
        notice = NoticeSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        return signed_json(error_body(422, "Bad notice.", {"json": error.normalized_messages()}), 422)
    first_time = accept_once(g.peer, notice["message_id"])
    if first_time:
        ops.request_sync(g.peer)  # commits the inbox record with the effect
    return signed_json({"accepted": True, "duplicate": not first_time}, 202)
