"""The host's copy of a visit for the visitor's home node.

After every change of a visit we host, its document goes to the home node through the outbox
(``roaming.peers.delivery``). It is made once per transaction, when the transaction commits, from
the visit as it is then: the copy carries what every receiver of ``roaming.signals.visit_changed``
did (the receipts the ledger signed), and two changes in one transaction send one document.
"""

from __future__ import annotations

from roaming import signals
from roaming.peers.delivery import enqueue_at_commit
from roaming.visits.documents import document
from roaming.visits.models import Visit, VisitRole

UPDATES_PATH = "/federation/visits/updates"


@signals.visit_changed.connect
def on_visit(visit: Visit, *, side: str, **_) -> None:
    if side == VisitRole.HOST:
        enqueue_at_commit(("visit-document", visit.id), visit.peer, UPDATES_PATH, lambda: {"visit": document(visit)})
