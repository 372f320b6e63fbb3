"""Personal data in the JSON API: a person exports or erases their own data; staff export a
member person's data, admins erase it and read the audit trail."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from roaming.accounts.models import Role
from roaming.accounts.security import STAFF, current_user, secured
from roaming.audit.operations import audit_trail
from roaming.errors import Conflict
from roaming.privacy import operations as ops
from roaming.privacy.schemas import (
    AuditEntrySchema,
    AuditQuerySchema,
    ErasureReportSchema,
    ErasureSchema,
    PersonDataSchema,
)

blp = Blueprint("privacy", __name__, url_prefix="/api", description="Personal data: export, erasure, audit")


def _own_person():
    user = current_user()
    if user.person_id is None:
        raise Conflict("This account is not linked to a person of a member company; an admin deletes staff accounts.")
    return user.person


@blp.route("/me/data")
class MyData(MethodView):
    @secured(blp)
    @blp.response(200, PersonDataSchema)
    def get(self):
        """Everything this node holds about you, as JSON"""
        user = current_user()
        return ops.export(user.person) if user.person is not None else ops.export_account(user)


@blp.post("/me/erase")
@secured(blp)
@blp.arguments(ErasureSchema)
@blp.response(200, ErasureReportSchema)
def erase_me(_data):
    """Erase your data here and at the partner clusters you visited (your login ends)"""
    return ops.erase(_own_person())


@blp.route("/privacy/people/<int:person_id>/export")
class PersonExport(MethodView):
    @secured(blp, *STAFF)
    @blp.response(200, PersonDataSchema)
    def get(self, person_id):
        """Everything this node holds about a member person (recorded in the audit trail)"""
        return ops.export(ops.get_person(person_id))


@blp.post("/privacy/people/<int:person_id>/erase")
@secured(blp, Role.ADMIN)
@blp.arguments(ErasureSchema)
@blp.response(200, ErasureReportSchema)
def erase_person(_data, person_id):
    """Erase a member person's data here and at partners (on their request)"""
    return ops.erase(ops.get_person(person_id))


@blp.route("/privacy/audit")
class AuditTrail(MethodView):
    @secured(blp, Role.ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, query):
        """Who read or changed personal data, newest first"""
        return audit_trail(query.get("subject"))
