"""What the ledger endpoints take and give."""

from __future__ import annotations

from marshmallow import fields, validate

from federation.receipts import MAX_COUNT, MAX_LENGTH
from roaming.schemas import BaseSchema, WireSchema, text
from roaming.visits.schemas import PartnerSchema

PERIOD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Give a month as YYYY-MM.")


class PeriodQuerySchema(BaseSchema):
    period_from = fields.String(validate=PERIOD, metadata={"description": "First month (YYYY-MM)"})
    period_to = fields.String(validate=PERIOD, metadata={"description": "Last month (YYYY-MM)"})


class FlowFiguresSchema(BaseSchema):
    host = fields.String(metadata={"description": "Node id of the hosting cluster"})
    home = fields.String(metadata={"description": "Node id of the visitors' home cluster"})
    period = fields.String(metadata={"description": "Month, YYYY-MM"})
    visits = fields.Integer(metadata={"description": "Completed visits"})
    desk_days = fields.Integer(metadata={"description": "Desk-days used (checked-in days times people)"})
    services = fields.Integer(metadata={"description": "Services provided in completed visits"})
    event_seats = fields.Integer(metadata={"description": "Event seats taken by visitors"})
    confirmed = fields.Integer(metadata={"description": "Requests the host confirmed"})
    declined = fields.Integer(metadata={"description": "Requests the host declined"})
    expired = fields.Integer(metadata={"description": "Requests left unanswered until the deadline"})
    median_response_hours = fields.Float(allow_none=True, metadata={"description": "Median time to a decision"})


class NodeLedgerRowSchema(FlowFiguresSchema):
    partner = fields.Nested(PartnerSchema)
    direction = fields.String(
        metadata={"description": "hosted_for: we hosted the partner's members; received_from: the partner hosted ours"}
    )


class FederationLedgerRowSchema(FlowFiguresSchema):
    host_name = fields.String()
    home_name = fields.String()
    status = fields.String(
        metadata={
            "description": "agreed: every receipt of the flow is agreed by host and home; unconfirmed: some are "
            "reported by the host only; disputed: the home refused some, or both sides' figures differ. "
            "The figures count agreed receipts only."
        }
    )
    disputed = fields.Integer(metadata={"description": "Receipts of the flow in dispute (not counted)"})
    unconfirmed = fields.Integer(
        metadata={"description": "Receipts of the flow its home has not reported (not counted)"}
    )


class ReceiptNamesSchema(BaseSchema):
    """What names a receipt, and whose it is."""

    receipt_id = fields.String()
    kind = fields.String()
    issuer = fields.String()
    audience = fields.String()
    subject = fields.String()
    period = fields.String()


class ReceiptSchema(ReceiptNamesSchema):
    desk_days = fields.Integer()
    services = fields.Integer()
    event_seats = fields.Integer()
    response_seconds = fields.Integer(allow_none=True)
    issued_at = fields.AwareDateTime()
    token = fields.String(metadata={"description": "The signed receipt (compact JWS, roaming-receipt+jwt)"})


class ReceiptQuerySchema(BaseSchema):
    subject = fields.String(validate=validate.Length(max=36), metadata={"description": "A visit or registration id"})


class RefusalSchema(ReceiptNamesSchema):
    claimed = fields.Dict(metadata={"description": "The receipt's period and counts, as signed"})
    expected = fields.Dict(
        allow_none=True,
        metadata={"description": "The counts the visit as held gives (null: no receipt of this kind fits)"},
    )
    reason = fields.String()
    recorded_at = fields.AwareDateTime()
    token = fields.String(metadata={"description": "The signed receipt as received"})


class CheckQuerySchema(PeriodQuerySchema):
    status = fields.String(validate=validate.OneOf(("disputed", "unconfirmed")), metadata={"description": "Only these"})


class CheckSchema(BaseSchema):
    receipt_id = fields.String()
    kind = fields.String()
    subject = fields.String()
    period = fields.String()
    host = fields.String()
    host_name = fields.String()
    home = fields.String()
    home_name = fields.String()
    status = fields.String(metadata={"description": "disputed or unconfirmed"})
    reason = fields.String()
    host_figures = fields.Dict(metadata={"description": "What the host signed: period and counts"})
    home_figures = fields.Dict(
        allow_none=True,
        metadata={"description": "What the home holds: the counts it expected, or the receipt it accepted"},
    )
    reported_at = fields.AwareDateTime()


# -- between nodes -------------------------------------------------------------------------------


class ReportSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    receipt = fields.String(required=True, validate=validate.Length(max=MAX_LENGTH))


class ExpectedSchema(WireSchema):
    desk_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_COUNT))
    services = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_COUNT))
    event_seats = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_COUNT))


class RefusalReportSchema(ReportSchema):
    reason = text(2000, required=True)
    expected = fields.Nested(ExpectedSchema, required=True, allow_none=True)
