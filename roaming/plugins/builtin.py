"""The ``core`` built-in plugin: the agreement's service kinds and desk availability from the
node's own seat allocations (``trylast``: called after installed plugins)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from roaming.db import session
from roaming.hookspecs import ServiceKind, hookimpl

CORE_SERVICE_KINDS = (
    ServiceKind("desk", "A desk in a shared office"),
    ServiceKind("meeting_room", "A meeting or conference room"),
    ServiceKind("internet", "Internet access"),
    ServiceKind("introductions", "Introductions to the cluster management and members"),
    ServiceKind("matchmaking", "Matchmaking with local companies"),
    ServiceKind("market_briefing", "A briefing on the local market"),
)


@hookimpl(trylast=True)
def roaming_register_service_kinds():
    return list(CORE_SERVICE_KINDS)


@hookimpl(trylast=True)
def roaming_availability(resource, start: date, end: date) -> dict[date, int] | None:
    from roaming.catalogue.models import Desk
    from roaming.visits.models import SeatAllocation

    if not isinstance(resource, Desk):
        return None
    taken = dict(
        session.execute(
            select(SeatAllocation.day, func.count())
            .where(SeatAllocation.desk_id == resource.id, SeatAllocation.day >= start, SeatAllocation.day <= end)
            .group_by(SeatAllocation.day)
        ).all()
    )
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return {day: resource.seats - taken.get(day, 0) for day in days}
