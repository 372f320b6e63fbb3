"""The coordinator receives what hosts and homes report of receipts (docs/protocol.md, section 10):
each answers 201 when the report was kept, 409 when it was kept before (or the visit has another
decision or terminal receipt), 422 when the receipt does not verify or is not the sender's to
report. Fields a report has beyond these are ignored."""

from __future__ import annotations

from flask import Blueprint, g

from roaming.coordinator.operations import require_coordinator
from roaming.ledger import coordination
from roaming.ledger.schemas import RefusalReportSchema, ReportSchema
from roaming.peers.delivery import accept_once
from roaming.peers.inbound import json_body, signed_by_peer, signed_json
from roaming.schemas import WireSchema

bp = Blueprint("federation_ledger", __name__, url_prefix="/federation/ledger")


def _report(schema: WireSchema, record, done: str):
    """Load the report and record it with ``record(sender, report)``, unless its message id was
    seen before; answer with ``done``."""
    require_coordinator()
    report = json_body(schema)
    if not accept_once(g.peer, report["message_id"]):
        return signed_json({done: True, "repeated_message": True})
    recorded = record(g.peer.node_id, report)
    return signed_json({done: True, "receipt_id": recorded.receipt_id}, 201)


@bp.post("/receipts")
@signed_by_peer
def receipts():
    """A home node reports a receipt it accepted (it is the receipt's audience)."""
    return _report(
        ReportSchema(), lambda sender, report: coordination.record_accepted(sender, report["receipt"]), "counted"
    )


@bp.post("/issued")
@signed_by_peer
def issued():
    """A host reports a receipt it signed (it is the receipt's issuer)."""
    return _report(
        ReportSchema(), lambda sender, report: coordination.record_issued(sender, report["receipt"]), "recorded"
    )


@bp.post("/refusals")
@signed_by_peer
def refusals():
    """A home node reports a receipt it refused (it is the receipt's audience), why, and the counts
    the visit as it holds it gives."""

    def record(sender, report):
        return coordination.record_refused(sender, report["receipt"], report["reason"], report["expected"])

    return _report(RefusalReportSchema(), record, "recorded")
