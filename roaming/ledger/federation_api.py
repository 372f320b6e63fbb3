"""The coordinator receives receipts from home nodes (see docs/protocol.md, "Ledger")."""

from __future__ import annotations

from flask import Blueprint, g
from marshmallow import fields

from roaming.coordinator.operations import require_coordinator
from roaming.db import session
from roaming.ledger import operations as ledger
from roaming.peers.delivery import accept_once
from roaming.peers.inbound import json_body, signed_by_peer, signed_json
from roaming.schemas import WireSchema

bp = Blueprint("federation_ledger", __name__, url_prefix="/federation/ledger")


class ReportSchema(WireSchema):
    message_id = fields.String(required=True)
    receipt = fields.String(required=True)


@bp.post("/receipts")
@signed_by_peer
def receipts():
    """A home node reports a receipt its member's host signed: 201 counted, 409 counted already,
    422 refused (bad signature, or the sender is not the receipt's audience)."""
    require_coordinator()
    report = json_body(ReportSchema())
    if not accept_once(g.peer, report["message_id"]):
        return signed_json({"counted": True, "repeated_message": True})
    receipt = ledger.record_reported(g.peer.node_id, report["receipt"])
    session.commit()
    return signed_json({"counted": True, "receipt_id": receipt.receipt_id}, 201)
