"""Catalogue endpoints: the cluster profile, CRUD for each catalogue kind, the change feed,
and the reference lists. Reading is public (the catalogue is published); writing is for staff."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from roaming import reference
from roaming.accounts.security import STAFF, secured
from roaming.api import patch_schema
from roaming.catalogue import operations as ops
from roaming.catalogue.models import CatalogueItem, Desk, Event, Location, MeetingRoom, NewsItem, Service
from roaming.catalogue.schemas import (
    ChangeFeedSchema,
    ChangeQuerySchema,
    ClusterProfileSchema,
    SectorsSchema,
    ServiceKindsSchema,
)
from roaming.plugins import service_kinds

blp = Blueprint("catalogue", __name__, url_prefix="/api", description="The catalogue this node publishes")


@blp.route("/cluster")
class ClusterProfileView(MethodView):
    @blp.response(200, ClusterProfileSchema)
    def get(self):
        """The node's cluster profile"""
        return ops.get_profile()

    @secured(blp, *STAFF)
    @blp.arguments(ClusterProfileSchema)
    @blp.response(200, ClusterProfileSchema)
    def put(self, data):
        """Create or replace the cluster profile"""
        return ops.save_profile(data)

    @secured(blp, *STAFF)
    @blp.arguments(patch_schema(ClusterProfileSchema))
    @blp.response(200, ClusterProfileSchema)
    def patch(self, _data):
        """Change some fields of the cluster profile"""
        return ops.update_item(ops.get_profile(), request.get_json())


def register_collection(path: str, model: type[CatalogueItem]) -> None:
    """List/create at ``path``, read/patch/delete at ``path/<id>``, for one catalogue kind."""
    schema_class = ops.SCHEMAS[model]
    label = ops.LABELS[model]

    class Collection(MethodView):
        @blp.doc(summary=f"List {label}s")
        @blp.response(200, schema_class(many=True))
        @blp.paginate(page_size=50, max_page_size=500)
        def get(self, pagination_parameters):
            items, total = ops.list_items(
                model, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
            )
            pagination_parameters.item_count = total
            return items

        @secured(blp, *STAFF)
        @blp.doc(summary=f"Create a {label}")
        @blp.arguments(schema_class)
        @blp.response(201, schema_class)
        def post(self, data):
            return ops.create_item(model, data)

    class Item(MethodView):
        @blp.doc(summary=f"Read a {label}")
        @blp.response(200, schema_class)
        def get(self, item_id):
            return ops.get_item(model, item_id)

        @secured(blp, *STAFF)
        @blp.doc(summary=f"Change a {label}")
        @blp.arguments(patch_schema(schema_class))
        @blp.response(200, schema_class)
        def patch(self, _data, item_id):
            return ops.update_item(ops.get_item(model, item_id), request.get_json())

        @secured(blp, *STAFF)
        @blp.doc(summary=f"Delete a {label} (leaves a tombstone for mirrors)")
        @blp.response(204)
        def delete(self, item_id):
            ops.delete_item(ops.get_item(model, item_id))

    blp.route(path, endpoint=f"{model.KIND}_collection")(Collection)
    blp.route(f"{path}/<int:item_id>", endpoint=f"{model.KIND}_item")(Item)


register_collection("/locations", Location)
register_collection("/desks", Desk)
register_collection("/rooms", MeetingRoom)
register_collection("/services", Service)
register_collection("/events", Event)
register_collection("/news", NewsItem)


@blp.get("/catalogue/changes")
@blp.arguments(ChangeQuerySchema, location="query")
@blp.response(200, ChangeFeedSchema)
def catalogue_changes(query):
    """Catalogue changes numbered above `since`, oldest first; deletions come as tombstones"""
    return ops.change_feed(query["since"], query["limit"])


@blp.get("/reference/sectors")
@blp.response(200, SectorsSchema)
def sectors():
    """The sector list (European Cluster Collaboration Platform)"""
    return {
        "sectoral_industries": list(reference.SECTORAL_INDUSTRIES),
        "emerging_industries": list(reference.EMERGING_INDUSTRIES),
    }


@blp.get("/reference/service-kinds")
@blp.response(200, ServiceKindsSchema)
def kinds():
    """The service kinds this node offers: the agreement's and those of its enabled plugins"""
    return {"service_kinds": [{"kind": kind.name, "label": kind.label} for kind in service_kinds().values()]}
