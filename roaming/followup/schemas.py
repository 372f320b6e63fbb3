"""Schemas for follow-up: survey answers, what members and staff see, and the outcomes nodes share."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from roaming.followup.models import Stage, ValueBand
from roaming.schemas import BaseSchema, WireSchema, text


class AnswerSchema(BaseSchema):
    useful = fields.Boolean(required=True, metadata={"description": "Was the visit useful?"})
    new_contacts = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=1000), metadata={"description": "New contacts"}
    )
    orders = fields.Enum(ValueBand, by_value=True, required=True, metadata={"description": "Orders won, value band"})
    contracts = fields.Enum(ValueBand, by_value=True, required=True, metadata={"description": "Contracts, value band"})
    publish_case_study = fields.Boolean(load_default=False)
    case_study = text(3000, load_default="", metadata={"description": "The case study text you approve"})
    comment = text(2000, load_default="", metadata={"description": "For your home cluster only"})

    @validates_schema(skip_on_field_errors=False)
    def _case_study_text(self, data, **_kwargs):
        if data.get("publish_case_study") and not data.get("case_study", "").strip():
            raise ValidationError("Write the case study you agree to publish, or untick publishing.", "case_study")


class SurveySchema(BaseSchema):
    survey_id = fields.String(attribute="uid")
    visit_id = fields.String(attribute="visit.uid")
    host = fields.String(attribute="visit.peer.name")
    stage = fields.Enum(Stage, by_value=True)
    sent_at = fields.AwareDateTime()
    answered_at = fields.AwareDateTime(allow_none=True)
    answers = fields.Dict(allow_none=True)


class ConnectionSchema(BaseSchema):
    home = fields.String(metadata={"description": "Node id of the visitors' cluster"})
    host = fields.String(metadata={"description": "Node id of the host cluster"})
    visits = fields.Integer(metadata={"description": "Visits followed up"})
    answers = fields.Integer()
    useful = fields.Integer(metadata={"description": "Answers that found the visit useful"})
    new_contacts = fields.Integer()
    orders = fields.Dict(metadata={"description": "Answers reporting orders, per value band"})
    contracts = fields.Dict(metadata={"description": "Answers reporting contracts, per value band"})
    case_studies = fields.Integer()


class ConnectionQuerySchema(BaseSchema):
    scope = fields.String(
        load_default="node",
        validate=validate.OneOf(("node", "federation")),
        metadata={"description": "node: this node's visits; federation: the coordinator's view"},
    )


class CaseStudySchema(BaseSchema):
    visit_id = fields.String(attribute="visit_uid")
    home = fields.String()
    host = fields.String()
    company = fields.String(attribute="case_study_company")
    text = fields.String(attribute="case_study")
    answered_at = fields.AwareDateTime()


# -- between nodes -------------------------------------------------------------------------------


class OutcomeSchema(WireSchema):
    survey_id = fields.String(required=True, validate=validate.Length(equal=36))
    visit_id = fields.String(required=True, validate=validate.Length(equal=36))
    home = fields.String(required=True, validate=validate.Length(max=64))
    host = fields.String(required=True, validate=validate.Length(max=64))
    stage = fields.Enum(Stage, by_value=True, required=True)
    useful = fields.Boolean(required=True)
    new_contacts = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1000))
    orders = fields.Enum(ValueBand, by_value=True, required=True)
    contracts = fields.Enum(ValueBand, by_value=True, required=True)
    case_study = text(3000, allow_none=True, required=True)
    case_study_company = text(200, allow_none=True, required=True)
    answered_at = fields.AwareDateTime(required=True)


class OutcomeMessageSchema(WireSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    outcome = fields.Dict(required=True)
