"""The coordinator's endpoints: the signed registry (public) and membership management (admins)."""

from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from roaming.accounts.models import Role
from roaming.accounts.security import secured
from roaming.coordinator import operations as ops
from roaming.coordinator.schemas import ApplicationSchema, MembershipSchema, StatusChangeSchema

blp = Blueprint("coordinator", __name__, url_prefix="/api/coordinator", description="Federation memberships")
registry_bp = FlaskBlueprint("registry", __name__)


@registry_bp.get("/federation/registry")
def registry():
    """The federation registry as a compact JWS signed by the coordinator (see docs/protocol.md)."""
    ops.require_coordinator()
    return Response(ops.signed_registry(), mimetype="application/jose", headers={"Cache-Control": "no-store"})


@blp.route("/memberships")
class Memberships(MethodView):
    @secured(blp, Role.ADMIN)
    @blp.response(200, MembershipSchema(many=True))
    def get(self):
        """All applications and memberships"""
        ops.require_coordinator()
        return ops.list_memberships()

    @secured(blp, Role.ADMIN)
    @blp.arguments(ApplicationSchema)
    @blp.response(201, MembershipSchema)
    def post(self, data):
        """Record a cluster's application (its URL and the key fingerprint its admin gave)"""
        return ops.add_application(data["url"], data["fingerprint"], data["note"])


@blp.post("/memberships/<int:membership_id>/status")
@secured(blp, Role.ADMIN)
@blp.arguments(StatusChangeSchema)
@blp.response(200, MembershipSchema)
def change_status(data, membership_id):
    """Move a membership on: review, admitted, suspended or removed"""
    ops.require_coordinator()
    return ops.change_status(ops.get_membership_by_id(membership_id), data["status"])
