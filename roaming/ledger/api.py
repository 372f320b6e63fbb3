"""The ledger in the JSON API: staff see their node's figures, receipts and the receipts it
refused; the coordinator's staff see the federation's figures and the receipts left out of them.
Figures as JSON and as CSV for the clusters' own reporting."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from roaming.accounts.security import STAFF, secured
from roaming.coordinator.operations import require_coordinator
from roaming.db import session
from roaming.ledger import coordination
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book, Receipt
from roaming.ledger.schemas import (
    CheckQuerySchema,
    CheckSchema,
    FederationLedgerRowSchema,
    NodeLedgerRowSchema,
    PeriodQuerySchema,
    ReceiptQuerySchema,
    ReceiptSchema,
    RefusalSchema,
)

blp = Blueprint("ledger", __name__, url_prefix="/api", description="The reciprocity ledger")


def _csv(body: str, name: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/ledger")
class NodeLedger(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, NodeLedgerRowSchema(many=True))
    def get(self, query):
        """Per partner and month: what we hosted for it, what it hosted for us, how requests were answered"""
        return ledger.node_ledger(query.get("period_from"), query.get("period_to"))


@blp.route("/ledger/export.csv")
class NodeLedgerCsv(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="One row per host, home cluster and month")
    def get(self, query):
        """The node's ledger as CSV"""
        flows = ledger.flows(Book.NODE, query.get("period_from"), query.get("period_to"))
        return _csv(ledger.as_csv(ledger.named(flows)), "ledger.csv")


@blp.route("/ledger/receipts")
class Receipts(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(ReceiptQuerySchema, location="query")
    @blp.response(200, ReceiptSchema(many=True))
    def get(self, query):
        """The signed receipts in this node's book (of one visit or registration, if given)"""
        statement = select(Receipt).where(Receipt.book == Book.NODE).order_by(Receipt.id)
        if query.get("subject"):
            statement = statement.where(Receipt.subject == query["subject"])
        return list(session.scalars(statement))


@blp.route("/coordinator/ledger")
class FederationLedger(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, FederationLedgerRowSchema(many=True))
    def get(self, query):
        """The federation's use of the agreement: who hosted whom, how much, how requests were answered"""
        require_coordinator()
        return coordination.federation_ledger(query.get("period_from"), query.get("period_to"))


@blp.route("/coordinator/ledger/export.csv")
class FederationLedgerCsv(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="One row per host, home cluster and month")
    def get(self, query):
        """The federation's ledger as CSV"""
        require_coordinator()
        rows = coordination.federation_ledger(query.get("period_from"), query.get("period_to"))
        return _csv(ledger.as_csv(rows, ledger.FEDERATION_CSV_COLUMNS), "federation-ledger.csv")


@blp.route("/ledger/refusals")
class Refusals(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(ReceiptQuerySchema, location="query")
    @blp.response(200, RefusalSchema(many=True))
    def get(self, query):
        """The receipts partners sent us that we refused (not counted), newest first"""
        return ledger.refusals(Book.NODE, query.get("subject"))


@blp.route("/coordinator/ledger/checks")
class FederationChecks(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(CheckQuerySchema, location="query")
    @blp.response(200, CheckSchema(many=True))
    def get(self, query):
        """The receipts the federation's figures leave out, disputed first, with both sides' figures"""
        require_coordinator()
        return coordination.checks(query.get("period_from"), query.get("period_to"), query.get("status"))
