"""Staff manage member companies and their people in the browser (the same operations and audit
trail as the API)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from roaming import reference
from roaming.accounts.security import STAFF, require_page
from roaming.audit.operations import audit, audit_read
from roaming.errors import NotFound
from roaming.forms import as_text, submitted
from roaming.i18n import LANGUAGES, sector_name
from roaming.members import onboarding
from roaming.members import operations as ops
from roaming.members.models import CompanyStatus
from roaming.members.schemas import CompanySchema, PersonSchema

bp = Blueprint("member_pages", __name__, url_prefix="/staff/members")


def _filled(form, names: tuple[str, ...]) -> dict:
    return {name: form[name].strip() if form.get(name, "").strip() else None for name in names}


@bp.route("", methods=["GET", "POST"])
@require_page(*STAFF)
def companies():
    errors: dict = {}
    if request.method == "POST":
        data = _filled(request.form, ("name", "country", "sector", "website"))
        errors = submitted(lambda: ops.create_company(CompanySchema().load(data)))
        if not errors:
            flash(_("%(name)s is a member now.", name=data["name"]), "ok")
            return redirect(url_for("member_pages.companies"))
    listed, _total = ops.list_companies()
    return render_template(
        "members/companies.html",
        companies=listed,
        errors=errors,
        form=request.form,
        sectors=[(sector, sector_name(sector)) for sector in reference.SECTORS],
    ), 422 if errors else 200


def _company(company_id: int):
    try:
        return ops.get_company(company_id)
    except NotFound:
        abort(404)


@bp.route("/<int:company_id>", methods=["GET", "POST"])
@require_page(*STAFF)
def company(company_id: int):
    chosen = _company(company_id)
    errors: dict = {}
    if request.method == "POST":
        data = _filled(request.form, ("name", "email", "role", "language"))

        def add():
            loaded = PersonSchema().load(data)
            audit("person.create", f"company:{company_id}")
            ops.add_person(chosen, loaded)

        errors = submitted(add)
        if not errors:
            flash(_("%(name)s was added.", name=data["name"]), "ok")
            return redirect(url_for("member_pages.company", company_id=company_id))
    audit_read("people.list", f"company:{company_id}")
    return render_template(
        "members/company.html",
        company=chosen,
        errors=errors,
        form=request.form,
        languages=LANGUAGES,
        login_states=onboarding.login_states(chosen.people),
    ), 422 if errors else 200


@bp.post("/<int:company_id>/people/<int:person_id>/invite")
@require_page(*STAFF)
def invite(company_id: int, person_id: int):
    """Send a person of this company a link to set their password (again: the older link ends)."""
    chosen = _company(company_id)
    person = next((person for person in chosen.people if person.id == person_id), None)
    if person is None:
        abort(404)

    def send():
        onboarding.invite(person)
        audit("person.invite", f"person:{person.id}")

    errors = submitted(send)
    if errors:
        flash(as_text(errors), "error")
    else:
        flash(_("%(name)s was sent a link to set a password (%(email)s).", name=person.name, email=person.email), "ok")
    return redirect(url_for("member_pages.company", company_id=company_id))


@bp.post("/<int:company_id>/status")
@require_page(*STAFF)
def status(company_id: int):
    chosen = _company(company_id)
    new = CompanyStatus.SUSPENDED if chosen.status is CompanyStatus.ACTIVE else CompanyStatus.ACTIVE
    errors = submitted(lambda: ops.update_company(chosen, {"status": new.value}))
    if errors:
        flash(as_text(errors), "error")
    else:
        flash(
            _(
                "%(name)s is %(status)s.",
                name=chosen.name,
                status=_("suspended") if new is CompanyStatus.SUSPENDED else _("active"),
            ),
            "ok",
        )
    return redirect(url_for("member_pages.company", company_id=company_id))
