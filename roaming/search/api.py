"""Search across the partners' catalogues, for this node's logged-in users."""

from __future__ import annotations

from flask_smorest import Blueprint

from roaming.api import secured
from roaming.search import operations as ops
from roaming.search.schemas import SearchQuerySchema, SearchResultSchema

blp = Blueprint("search", __name__, url_prefix="/api/federation", description="Search the federation")


@blp.get("/search")
@secured(blp)
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, SearchResultSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def search(filters, pagination_parameters):
    """Desks, rooms, services, events, locations and clusters offered by partner nodes"""
    items, total = ops.search(filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items
