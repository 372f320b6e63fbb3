"""Follow-up answers shared by the visitor's home node (see docs/protocol.md, "Follow-up")."""

from __future__ import annotations

from flask import Blueprint, g

from roaming.followup.operations import receive
from roaming.followup.schemas import OutcomeMessageSchema
from roaming.peers.delivery import accept_once
from roaming.peers.inbound import json_body, signed_by_peer, signed_json

bp = Blueprint("federation_followup", __name__, url_prefix="/federation/followup")


@bp.post("/outcomes")
@signed_by_peer
def outcomes():
    """Keep an answered survey: as the visit's host, and as coordinator for the federation."""
    message = json_body(OutcomeMessageSchema())
    if accept_once(g.peer, message["message_id"]):
        receive(g.peer, message["outcome"])
    return signed_json({"accepted": True}, 202)
