"""Follow-up in the JSON API: members answer their surveys; staff see the connections their
visits made; everyone sees the published case studies."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from roaming.accounts.security import STAFF, current_user, secured
from roaming.errors import NotFound
from roaming.followup import operations as ops
from roaming.followup.schemas import (
    AnswerSchema,
    CaseStudySchema,
    ConnectionQuerySchema,
    ConnectionSchema,
    SurveySchema,
)
from roaming.ledger.models import Book

blp = Blueprint("followup", __name__, url_prefix="/api/followup", description="Follow-up surveys and outcomes")


def _book(scope: str) -> Book:
    if scope == "federation":
        if not current_app.config["COORDINATOR_ENABLED"]:
            raise NotFound(
                "This node is not the federation's coordinator (the node with the setting "
                "coordinator_enabled = true): the federation's book is kept there."
            )
        return Book.FEDERATION
    return Book.NODE


@blp.route("/surveys")
class Surveys(MethodView):
    @secured(blp)
    @blp.response(200, SurveySchema(many=True))
    def get(self):
        """Your follow-up surveys (sent ones), answered or not"""
        return ops.my_surveys(current_user().person_id)


@blp.post("/surveys/<uid>/answer")
@secured(blp)
@blp.arguments(AnswerSchema)
@blp.response(200, SurveySchema)
def answer(data, uid):
    """Answer one of your surveys (once); shared with the host and the federation without your name"""
    survey = next((s for s in ops.my_surveys(current_user().person_id) if s.uid == uid), None)
    if survey is None:
        raise NotFound(f"No survey {uid} of yours.")
    return ops.answer(survey, data)


@blp.route("/connections")
class Connections(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(ConnectionQuerySchema, location="query")
    @blp.response(200, ConnectionSchema(many=True))
    def get(self, query):
        """Which clusters' members met through visits, and what came of it"""
        return ops.connections(_book(query["scope"]))


@blp.route("/case-studies")
class CaseStudies(MethodView):
    @blp.arguments(ConnectionQuerySchema, location="query")
    @blp.response(200, CaseStudySchema(many=True))
    def get(self, query):
        """Case studies visitors agreed to publish"""
        return ops.case_studies(_book(query["scope"]))
