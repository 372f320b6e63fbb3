"""Member companies and people. Staff see and manage all of them; a member person sees only
their own company and its people, and changes nothing here."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from roaming.accounts.models import User
from roaming.accounts.security import STAFF, current_user, secured
from roaming.api import patch_schema
from roaming.audit.operations import audit, audit_read
from roaming.db import session
from roaming.errors import Forbidden
from roaming.members import onboarding
from roaming.members import operations as ops
from roaming.members.models import MemberCompany
from roaming.members.schemas import CompanySchema, InvitationSchema, PersonSchema
from roaming.schemas import ErrorSchema

blp = Blueprint("members", __name__, url_prefix="/api/members", description="Member companies and their people")


def _check_can_read(company: MemberCompany) -> MemberCompany:
    user = current_user()
    if not user.role.is_staff and user.company_id != company.id:
        raise Forbidden("You can only see your own company.")
    return company


@blp.route("/companies")
class Companies(MethodView):
    @secured(blp)
    @blp.response(200, CompanySchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, pagination_parameters):
        """List member companies (a member sees only their own)"""
        user = current_user()
        only = None if user.role.is_staff else (user.company_id or -1)
        companies, total = ops.list_companies(
            only_id=only, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        pagination_parameters.item_count = total
        return companies

    @secured(blp, *STAFF)
    @blp.arguments(CompanySchema)
    @blp.response(201, CompanySchema)
    def post(self, data):
        """Add a member company"""
        return ops.create_company(data)


@blp.route("/companies/<int:company_id>")
class Company(MethodView):
    @secured(blp)
    @blp.response(200, CompanySchema)
    def get(self, company_id):
        """Read a member company"""
        return _check_can_read(ops.get_company(company_id))

    @secured(blp, *STAFF)
    @blp.arguments(patch_schema(CompanySchema))
    @blp.response(200, CompanySchema)
    def patch(self, _data, company_id):
        """Change a member company (e.g. suspend it)"""
        return ops.update_company(ops.get_company(company_id), request.get_json())

    @secured(blp, *STAFF)
    @blp.response(204)
    def delete(self, company_id):
        """Delete a member company with its people and their logins"""
        ops.delete_company(ops.get_company(company_id))


@blp.route("/companies/<int:company_id>/people")
class CompanyPeople(MethodView):
    @secured(blp)
    @blp.response(200, PersonSchema(many=True))
    def get(self, company_id):
        """List a company's people"""
        company = _check_can_read(ops.get_company(company_id))
        if current_user().role.is_staff:
            audit_read("people.list", f"company:{company_id}")
        return company.people

    @secured(blp, *STAFF)
    @blp.arguments(PersonSchema)
    @blp.response(201, PersonSchema)
    def post(self, data, company_id):
        """Add a person to a company"""
        audit("person.create", f"company:{company_id}")
        return ops.add_person(ops.get_company(company_id), data)


@blp.route("/people/<int:person_id>")
class Person(MethodView):
    @secured(blp)
    @blp.response(200, PersonSchema)
    def get(self, person_id):
        """Read a person"""
        person = ops.get_person(person_id)
        _check_can_read(person.company)
        if current_user().role.is_staff:
            audit_read("person.read", f"person:{person_id}")
        return person

    @secured(blp, *STAFF)
    @blp.arguments(patch_schema(PersonSchema))
    @blp.response(200, PersonSchema)
    def patch(self, _data, person_id):
        """Change a person"""
        audit("person.change", f"person:{person_id}", fields=sorted(request.get_json() or {}))
        return ops.update_person(ops.get_person(person_id), request.get_json())

    @secured(blp, *STAFF)
    @blp.response(204)
    def delete(self, person_id):
        """Delete a person (and their login)"""
        audit("person.delete", f"person:{person_id}")
        ops.delete_person(ops.get_person(person_id))


@blp.post("/people/<int:person_id>/invitation")
@secured(blp, *STAFF)
@blp.response(201, InvitationSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The person's account is deactivated")
def invite(person_id):
    """E-mail a person a one-time link to set their password, in their language (their member
    account is made first if they have none); an older link of theirs stops working. The link
    itself is only in the e-mail, sent to the person's account address (``email``: the one it
    was made with, even if the person's address changed since)"""
    person = ops.get_person(person_id)
    expires_at = onboarding.invite(person)
    audit("person.invite", f"person:{person_id}")
    account = session.scalar(select(User).where(User.person_id == person.id))
    return {"email": account.email if account is not None else person.email, "expires_at": expires_at}
