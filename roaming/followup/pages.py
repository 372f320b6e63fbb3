"""The survey page behind each survey e-mail's personal link (no login needed; CSRF-protected),
and staff's view of the outcomes reported after visits."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from roaming.accounts.security import STAFF, csrf_valid, require_page
from roaming.errors import DomainError, NotFound
from roaming.followup import operations as ops
from roaming.followup.models import ValueBand
from roaming.followup.schemas import AnswerSchema
from roaming.ledger.models import Book
from roaming.ledger.operations import node_names

bp = Blueprint("followup_pages", __name__)
BANDS = {
    ValueBand.NONE: _l("None"),
    ValueBand.UNDER_10K: _l("Under €10,000"),
    ValueBand.FROM_10K_TO_100K: _l("€10,000 to €100,000"),
    ValueBand.OVER_100K: _l("Over €100,000"),
}


@bp.route("/followup/<token>", methods=["GET", "POST"])
def survey(token: str):
    try:
        chosen = ops.survey_by_token(token)
    except NotFound:
        abort(404)
    errors: dict = {}
    form = request.form
    if request.method == "POST":
        data = {
            "useful": form.get("useful"),
            "new_contacts": int(form["new_contacts"])
            if form.get("new_contacts", "").isdigit()
            else form.get("new_contacts"),
            "orders": form.get("orders"),
            "contracts": form.get("contracts"),
            "publish_case_study": form.get("publish_case_study") == "yes",
            "case_study": form.get("case_study", ""),
            "comment": form.get("comment", ""),
        }
        try:
            if not csrf_valid():
                raise DomainError("The form expired; please send it again.")
            ops.answer(chosen, AnswerSchema().load(data))
        except ValidationError as invalid:
            errors = invalid.normalized_messages()
        except DomainError as refused:
            errors = {"form": [refused.message]}
    status = 422 if errors else 200
    return render_template("followup/survey.html", survey=chosen, errors=errors, form=form, bands=BANDS), status


@bp.get("/staff/outcomes")
@require_page(*STAFF)
def outcomes():
    """What came of the visits, per pair of clusters, and the case studies members let us publish."""
    return render_template(
        "followup/outcomes.html",
        connections=ops.connections(Book.NODE),
        studies=ops.case_studies(Book.NODE),
        names=node_names(),
        bands=BANDS,
    )
