"""How peers plug into the node (the built-in part ``peers``, ``roaming.plugins``): the
federation's signed endpoints, the partners' status API and pages, and the worker's jobs: the
registry refresh, notices of our catalogue's changes, delivery of each partner's outbox and pulls
of their catalogues."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from roaming import api
from roaming.catalogue.changes import last_change_number
from roaming.catalogue.models import ChangeCounter
from roaming.db import session, utcnow
from roaming.hookspecs import hookimpl
from roaming.peers import api as peers_api
from roaming.peers import delivery, federation_api, operations, pages, registry
from roaming.peers.models import OutboxMessage, Peer, PeerStatus
from roaming.worker.jobs import CoreJob

NOTIFIED_COUNTER = "notified"


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    api.register(app, peers_api.blp)
    app.register_blueprint(federation_api.bp)
    app.register_blueprint(pages.bp)


@hookimpl
def roaming_register_jobs() -> list[CoreJob]:
    config = current_app.config
    return [
        CoreJob("registry", config["REGISTRY_REFRESH_SECONDS"], refresh_registry),
        CoreJob("announce-changes", 0, announce_changes),
        CoreJob("deliver", 0, deliver, each=peers_with_due_messages),
        CoreJob("pull", 0, pull, each=lambda: peers_to_pull(config["SYNC_INTERVAL_SECONDS"])),
    ]


def refresh_registry() -> None:
    if registry.configured():
        registry.refresh()


def announce_changes() -> None:
    """Queue a notice for every active peer when our catalogue changed; the outbox delivers it,
    and the counter of announced changes advances in the same transaction. Commits (a worker job)."""
    latest = last_change_number(session)
    counter = session.get(ChangeCounter, NOTIFIED_COUNTER)
    if counter is None:
        counter = ChangeCounter(name=NOTIFIED_COUNTER, value=0)
        session.add(counter)
    if latest <= counter.value:
        session.commit()
        return
    for peer in session.scalars(select(Peer).where(Peer.status == PeerStatus.ACTIVE)):
        delivery.enqueue(peer, "/federation/notices", {"type": "catalogue.changed", "seq": latest})
    session.execute(update(ChangeCounter).where(ChangeCounter.name == NOTIFIED_COUNTER).values(value=latest))
    session.commit()


def deliver(peer_id: int) -> None:
    delivery.deliver_due(operations.client(), peer_id)


def peers_with_due_messages() -> list[int]:
    due = (
        select(OutboxMessage.peer_id)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .distinct()
    )
    return list(session.scalars(due))


def peers_to_pull(interval: float) -> list[int]:
    """Active peers that asked us to sync, were never synced, or not for ``interval`` seconds."""
    stale_before = utcnow() - timedelta(seconds=interval)
    wanted = select(Peer.id).where(
        Peer.status == PeerStatus.ACTIVE,
        or_(Peer.sync_requested_at.is_not(None), Peer.last_synced_at.is_(None), Peer.last_synced_at < stale_before),
    )
    return list(session.scalars(wanted))


def pull(peer_id: int) -> None:
    peer = session.get(Peer, peer_id)
    if peer is not None and peer.status is PeerStatus.ACTIVE:
        operations.pull_catalogue(peer)
