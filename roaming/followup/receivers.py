"""Follow-up's part in a visit's lifecycle (``roaming.signals``): when the host's document says
a visit of one of our members is completed, both surveys are planned."""

from __future__ import annotations

from roaming import signals
from roaming.followup.operations import schedule
from roaming.visits.models import Visit, VisitRole, VisitState


@signals.visit_changed.connect
def on_visit(visit: Visit, *, side: str, what: str, old: VisitState | None, **_) -> None:
    if side == VisitRole.HOME and what == VisitState.COMPLETED and old is not VisitState.COMPLETED:
        schedule(visit)
