"""Event registrations in the JSON API: members register for partners' events and cancel; staff
see who registered for their events (and their own members' registrations abroad)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from roaming.accounts.security import current_user, secured
from roaming.audit.operations import audit, audit_read
from roaming.errors import NotFound
from roaming.events import attending, hosting
from roaming.events.schemas import RegistrationListQuerySchema, RegistrationRequestSchema, RegistrationSchema
from roaming.visits.models import VisitRole

blp = Blueprint(
    "registrations", __name__, url_prefix="/api/registrations", description="Registrations for partners' events"
)


@blp.route("")
class Registrations(MethodView):
    @secured(blp)
    @blp.arguments(RegistrationListQuerySchema, location="query")
    @blp.response(200, RegistrationSchema(many=True))
    def get(self, query):
        """A member's own registrations; staff see those for this node's events (role=home: our members')"""
        user = current_user()
        if not user.role.is_staff:
            return attending.my_registrations(user)
        if query.get("role") is VisitRole.HOME:
            return attending.list_home()
        audit_read("registrations.list", f"event:{query.get('event') or 'all'}")
        return hosting.list_hosted(query.get("event"))

    @secured(blp)
    @blp.arguments(RegistrationRequestSchema)
    @blp.response(201, RegistrationSchema)
    @blp.alt_response(200, schema=RegistrationSchema, description="The same registration_id was sent before")
    def post(self, data):
        """Register for a partner cluster's event: a seat, or a place on its waiting list"""
        registration, created = attending.register(current_user(), data)
        return registration, 201 if created else 200


@blp.route("/<uid>")
class RegistrationItem(MethodView):
    @secured(blp)
    @blp.response(200, RegistrationSchema)
    def get(self, uid):
        """One registration: the member's own, or any for staff"""
        return attending.my_registration(current_user(), uid)


@blp.post("/<uid>/cancel")
@secured(blp)
@blp.response(200, RegistrationSchema)
def cancel(uid):
    """Cancel a registration (the member's own; host staff for their events); the waiting list moves up"""
    registration = attending.my_registration(current_user(), uid)
    if registration.role is VisitRole.HOST:
        audit("registration.cancel", f"registration:{uid}")
        return hosting.cancel(registration, "host")
    if registration.person_id != current_user().person_id:
        raise NotFound(f"No registration {uid}.")
    return attending.cancel(registration)
