"""Visits in the JSON API. Members plan, ask for, follow and cancel their visits abroad; host
staff decide on requests, check visitors in and cancel with a reason; admins vary the terms for a
partner cluster. Everything the pages do, a script can do here."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from roaming.accounts.models import Role
from roaming.accounts.security import STAFF, current_user, secured
from roaming.agreement.schemas import TermsSchema
from roaming.audit.operations import audit, audit_read
from roaming.errors import Forbidden, NotFound
from roaming.peers import variations
from roaming.peers.operations import get_peer
from roaming.peers.registry import federation_terms
from roaming.peers.schemas import TermsVariationSchema
from roaming.visits import feeds, hosting, visiting
from roaming.visits.models import Visit, VisitRole
from roaming.visits.schemas import (
    CalendarFeedSchema,
    CancelSchema,
    DeclineSchema,
    QuoteSchema,
    VisitListQuerySchema,
    VisitRequestSchema,
    VisitSchema,
)

blp = Blueprint("visits", __name__, url_prefix="/api/visits", description="Visits to and from partner clusters")


def _visit_for(uid: str) -> Visit:
    """The visit as the caller may see it: their own (home side), or any for staff."""
    user = current_user()
    if user.role.is_staff:
        try:
            visit = hosting.hosted_visit(uid)
        except NotFound:
            pass
        else:
            audit_read("visit.read", f"visit:{uid}")
            return visit
    return visiting.my_visit(user, uid)


def _hosted_for_staff(uid: str) -> Visit:
    visit = _visit_for(uid)
    if visit.role is not VisitRole.HOST:
        raise Forbidden("Only the host decides on a visit; this one is hosted by a partner cluster.")
    return visit


@blp.route("")
class Visits(MethodView):
    @secured(blp)
    @blp.arguments(VisitListQuerySchema, location="query")
    @blp.response(200, VisitSchema(many=True))
    def get(self, query):
        """List visits: a member's own; staff see those this node hosts (role=home: our members')"""
        user = current_user()
        if not user.role.is_staff:
            return visiting.my_visits(user)
        if query.get("role") is VisitRole.HOME:
            return visiting.list_home(query.get("state"))
        return hosting.list_hosted(query.get("state"))

    @secured(blp)
    @blp.arguments(VisitRequestSchema)
    @blp.response(201, VisitSchema)
    @blp.alt_response(200, schema=VisitSchema, description="The same visit_id was sent before: that visit")
    def post(self, data):
        """Ask a partner cluster for a desk (and services); confirmed at once or queued for the host"""
        visit, created = visiting.request_visit(current_user(), data)
        return visit, 201 if created else 200


@blp.route("/quote")
class Quote(MethodView):
    @secured(blp)
    @blp.arguments(VisitRequestSchema)
    @blp.response(200, QuoteSchema)
    def post(self, data):
        """Before asking: the host's terms, working days, free days left, price and any problem.
        Takes the request's own fields (the message and the request id are not needed here)"""
        return visiting.ask_quote(current_user(), data)


@blp.route("/<uid>")
class VisitItem(MethodView):
    @secured(blp)
    @blp.response(200, VisitSchema)
    def get(self, uid):
        """Read a visit with its history"""
        return _visit_for(uid)


@blp.route("/<uid>/cancel")
class Cancel(MethodView):
    @secured(blp)
    @blp.arguments(CancelSchema)
    @blp.response(200, VisitSchema)
    def post(self, data, uid):
        """Cancel the visit or some days: the visitor within the terms, host staff with a reason"""
        visit = _visit_for(uid)
        if visit.role is VisitRole.HOME:
            return visiting.cancel(visit, data.get("days"))
        audit("visit.cancel", f"visit:{uid}")
        return hosting.cancel_by_host(visit, data["reason"], data.get("days"))


@blp.route("/<uid>/approve")
class Approve(MethodView):
    @secured(blp, *STAFF)
    @blp.response(200, VisitSchema)
    def post(self, uid):
        """Host staff confirm a requested visit"""
        visit = _hosted_for_staff(uid)
        audit("visit.approve", f"visit:{uid}")
        return hosting.approve(visit)


@blp.route("/<uid>/decline")
class Decline(MethodView):
    @secured(blp, *STAFF)
    @blp.arguments(DeclineSchema)
    @blp.response(200, VisitSchema)
    def post(self, data, uid):
        """Host staff decline a requested visit, saying why"""
        visit = _hosted_for_staff(uid)
        audit("visit.decline", f"visit:{uid}")
        return hosting.decline(visit, data["reason"])


@blp.route("/<uid>/check-in")
class CheckIn(MethodView):
    @secured(blp, *STAFF)
    @blp.response(200, VisitSchema)
    def post(self, uid):
        """Host staff check the visitor in for today (visitors use their check-in link)"""
        visit = _hosted_for_staff(uid)
        audit("visit.check_in", f"visit:{uid}")
        return hosting.check_in(visit, "host")


@blp.route("/calendar-feed")
class CalendarFeed(MethodView):
    @secured(blp)
    @blp.response(200, CalendarFeedSchema)
    def get(self):
        """Your personal calendar feed of visits (webcal), created on first use"""
        return _feed_urls(feeds.feed_for(_person()).token)

    @secured(blp)
    @blp.response(200, CalendarFeedSchema)
    def post(self):
        """Replace your calendar feed's secret address (the old one stops working)"""
        return _feed_urls(feeds.renew_feed(_person()).token)


def _person():
    user = current_user()
    if user.person is None:
        raise NotFound("This account has no calendar of visits: it is not linked to a person of a member company.")
    return user.person


def _feed_urls(token: str) -> dict:
    url = url_for("visit_pages.calendar_feed", token=token, _external=True)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@blp.route("/terms")
class FederationTerms(MethodView):
    @secured(blp)
    @blp.response(200, TermsSchema)
    def get(self):
        """The federation's agreement terms as this node applies them by default"""
        return federation_terms()


@blp.route("/terms/variations/<node>")
class TermsVariation(MethodView):
    @secured(blp, *STAFF)
    @blp.response(200, TermsVariationSchema)
    def get(self, node):
        """How this node varies the terms for one partner cluster"""
        variation = variations.variation_for(get_peer(node))
        if variation is None:
            raise NotFound("No variation for this partner: the federation's terms apply.")
        return variation

    @secured(blp, Role.ADMIN)
    @blp.arguments(TermsVariationSchema)
    @blp.response(200, TermsVariationSchema)
    def put(self, data, node):
        """Vary the terms for one partner cluster (only the keys given change)"""
        return variations.set_variation(get_peer(node), data["changes"], data["note"])

    @secured(blp, Role.ADMIN)
    @blp.response(204)
    def delete(self, node):
        """Go back to the federation's terms for this partner"""
        variations.remove_variation(get_peer(node))
