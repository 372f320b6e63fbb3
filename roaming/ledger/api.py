"""The ledger in the JSON API: staff see their node's figures and receipts; the coordinator's
staff see the federation's. Both as JSON and as CSV for the clusters' own reporting."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from roaming.accounts.security import STAFF
from roaming.api import secured
from roaming.coordinator.operations import require_coordinator
from roaming.db import session
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book, Receipt
from roaming.ledger.schemas import (
    FederationLedgerRowSchema,
    NodeLedgerRowSchema,
    PeriodQuerySchema,
    ReceiptQuerySchema,
    ReceiptSchema,
)

blp = Blueprint("ledger", __name__, url_prefix="/api", description="The reciprocity ledger")


def _csv(book: Book, query: dict, name: str) -> Response:
    body = ledger.as_csv(ledger.flows(book, query.get("period_from"), query.get("period_to")))
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
        return _csv(Book.NODE, query, "ledger.csv")


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
        return ledger.federation_ledger(query.get("period_from"), query.get("period_to"))


@blp.route("/coordinator/ledger/export.csv")
class FederationLedgerCsv(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="One row per host, home cluster and month")
    def get(self, query):
        """The federation's ledger as CSV"""
        require_coordinator()
        return _csv(Book.FEDERATION, query, "federation-ledger.csv")
