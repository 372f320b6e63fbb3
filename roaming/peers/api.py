"""For staff: each peer's trust, catalogue sync and message delivery, at a glance."""

from __future__ import annotations

from flask_smorest import Blueprint

from roaming.accounts.security import STAFF, secured
from roaming.peers.operations import sync_and_delivery_status
from roaming.peers.schemas import PeerStatusSchema

blp = Blueprint("peers", __name__, url_prefix="/api/peers", description="Partner nodes' sync and delivery status")


@blp.get("")
@secured(blp, *STAFF)
@blp.response(200, PeerStatusSchema(many=True))
def peer_status():
    """Every peer with its last sync, whether our copy is stale, and its outbox queue"""
    return sync_and_delivery_status()
