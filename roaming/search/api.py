"""Search across the partners' catalogues, for this node's logged-in users."""

from __future__ import annotations

from flask_smorest import Blueprint

from roaming.accounts.security import secured
from roaming.search import operations as ops
from roaming.search.schemas import SearchQuerySchema, SearchResultSchema

blp = Blueprint("search", __name__, url_prefix="/api/federation", description="Search the federation")


@blp.get("/search")
@secured(blp)
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, SearchResultSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def search(filters, pagination_parameters):
    """Desks, rooms, services, events, locations and clusters offered by partner nodes

    Events come first, by start time, then the rest by cluster and kind. The total in
    X-Pagination counts matches up to 200 past the page asked for: when there are more, it says
    so with `X-Total-Exact: false` and grows as you page on."""
    results = ops.search(filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size)
    pagination_parameters.item_count = results.total
    return results.items, 200, {"X-Total-Exact": "true" if results.exact else "false"}
