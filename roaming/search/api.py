"""Search across the partners' catalogues, for this node's logged-in users."""

from __future__ import annotations

from flask_smorest import Blueprint

from roaming.accounts.security import current_user, secured
from roaming.search import operations as ops
from roaming.search.availability import free_desks
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
    so with `X-Total-Exact: false` and grows as you page on.

    With `first_day` and `last_day` the results are desks, each with `availability` as its host
    counts it (the host is asked, as for a quote), best fit first; at most 20 desks are asked, and
    `X-Total-Exact: false` says that more matched: narrow the search by country or city."""
    if filters.get("first_day"):
        checked = free_desks(current_user(), filters)
        pagination_parameters.item_count = len(checked.desks)
        first = pagination_parameters.first_item
        page = checked.desks[first : first + pagination_parameters.page_size]
        return page, 200, {"X-Total-Exact": "true" if checked.complete else "false"}
    results = ops.search(filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size)
    pagination_parameters.item_count = results.total
    return results.items, 200, {"X-Total-Exact": "true" if results.exact else "false"}
