"""A partner tells us it erased one of its members (see docs/protocol.md, "Personal data")."""

from __future__ import annotations

from flask import Blueprint, g

from roaming.peers.delivery import accept_once
from roaming.peers.inbound import json_body, signed_by_peer, signed_json
from roaming.privacy.operations import erase_for_peer
from roaming.privacy.schemas import ErasureMessageSchema

bp = Blueprint("federation_privacy", __name__, url_prefix="/federation/privacy")


@bp.post("/erasures")
@signed_by_peer
def erasures():
    """Wipe the visitor details we hold as host for the named visits and registrations, and the
    case studies of the named surveys."""
    message = json_body(ErasureMessageSchema())
    wiped = erase_for_peer(g.peer, message) if accept_once(g.peer, message["message_id"]) else 0
    return signed_json({"wiped": wiped})
