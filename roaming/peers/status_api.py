"""For staff: each peer's trust, catalogue sync and message delivery, at a glance."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from roaming.accounts.security import STAFF
from roaming.api import secured
from roaming.db import utcnow
from roaming.peers.delivery import queue_status
from roaming.peers.schemas import PeerStatusSchema

blp = Blueprint("peers", __name__, url_prefix="/api/peers", description="Partner nodes' sync and delivery status")


@blp.get("")
@secured(blp, *STAFF)
@blp.response(200, PeerStatusSchema(many=True))
def peer_status():
    """Every peer with its last sync, whether our copy is stale, and its outbox queue"""
    stale_after = current_app.config["SYNC_INTERVAL_SECONDS"] * 3
    rows = []
    for queue in queue_status():
        synced = queue.peer.last_synced_at
        stale = synced is None or (utcnow() - synced).total_seconds() > stale_after
        rows.append(
            {
                "peer": queue.peer,
                "pending": queue.pending,
                "delivered": queue.delivered,
                "failed": queue.failed,
                "stale": stale,
            }
        )
    return rows
