"""The worker loop: member keys and registry refresh, change notices, the visits' clock, outbox
delivery, catalogue pulls, mail, surveys, plugin jobs.

On SQLite ``roaming run`` starts one worker thread in the server process (or ``roaming worker``
runs it alone); on PostgreSQL any number of ``roaming worker`` processes share the work. Every job
runs under a claim (``roaming.worker.claims``): one worker at a time, when due, with a growing
delay after failures. Each job runs in a fresh app context; a failing job is logged and never
stops the others. What a job leaves uncommitted, when it fails or returns, is rolled back before
its claim records how it went: the claim is another connection, and on SQLite it would otherwise
wait for the job's own write lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import or_, select, update

from federation.client import DeliveryError
from roaming import logs, plugins
from roaming.catalogue import operations as catalogue
from roaming.catalogue.changes import last_change_number
from roaming.catalogue.models import ChangeCounter
from roaming.coordinator import operations as coordinator
from roaming.db import engine_for, session, utcnow
from roaming.errors import DomainError
from roaming.events import attending
from roaming.events import hosting as events
from roaming.followup import operations as followup
from roaming.notify import operations as notifications
from roaming.peers import delivery, registry
from roaming.peers import operations as peers
from roaming.peers.models import OutboxMessage, Peer, PeerStatus
from roaming.privacy import operations as privacy
from roaming.visits import hosting, visiting
from roaming.worker.claims import Claims

NOTIFIED_COUNTER = "notified"
RETENTION_INTERVAL_SECONDS = 3600  # visitor details are wiped by the day; hourly is plenty
EXPECTED_FAILURES = (DeliveryError, DomainError)  # logged as warnings, without a traceback


class Worker:
    def __init__(self, app: Flask):
        self.app = app
        self.stopping = threading.Event()
        self.claims = Claims(engine_for(app), Path(app.instance_path))
        self.reconciled = False
        with app.app_context():
            self.plugin_jobs = plugins.jobs()

    def run_once(self) -> None:
        """One pass over every job; each one that is due and unclaimed runs."""
        config = self.app.config
        if not self.reconciled:
            self._run("service-kinds", self._withdraw_unoffered_services)
        if self._in_app_context(registry.configured):
            self._run("registry", self._refresh_registry, config["REGISTRY_REFRESH_SECONDS"])
        self._run("announce-changes", self._announce_changes)
        self._run("visits-clock", self._visits_clock, config["VISIT_CLOCK_SECONDS"])
        self._run("retention", privacy.apply_retention, RETENTION_INTERVAL_SECONDS)
        self._run("send-visit-requests", visiting.send_pending)
        self._run("send-registrations", attending.send_pending)
        self._run("followup", followup.send_due)
        for peer_id in self._in_app_context(_peers_with_due_messages):
            self._run(f"deliver:{peer_id}", lambda peer_id=peer_id: delivery.deliver_due(peers.client(), peer_id))
        self._run("notify", notifications.send_due)
        for peer_id in self._in_app_context(_peers_to_pull, config["SYNC_INTERVAL_SECONDS"]):
            self._run(f"pull:{peer_id}", lambda peer_id=peer_id: _pull(peer_id))
        for plugin, job in self.plugin_jobs:
            self._run(f"plugin:{plugin}:{job.name}", job.run, job.interval_seconds)

    def run_forever(self) -> None:
        tick = float(self.app.config["WORKER_TICK_SECONDS"])
        try:
            while not self.stopping.is_set():
                try:
                    self.run_once()
                except Exception:  # noqa: BLE001 - e.g. the database briefly away: try again next tick
                    self.app.logger.exception("Worker pass failed")
                self.stopping.wait(tick)
        finally:
            self.claims.close()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="roaming-worker", daemon=True)
        thread.start()
        return thread

    def _run(self, name: str, job: Callable[[], object], interval: float = 0) -> None:
        """Run ``job`` under the claim ``name`` in a fresh app context; log its failure."""
        with self.app.app_context(), logs.request_id(None):
            try:
                self.claims.run(name, _settled(job), interval)
            except EXPECTED_FAILURES as error:
                self.app.logger.warning("Worker job %s failed: %s", name, error)
            except Exception:  # noqa: BLE001 - a job's failure must not stop the worker
                self.app.logger.exception("Worker job %s failed", name)

    def _in_app_context(self, query, *args):
        with self.app.app_context():
            return query(*args)

    def _withdraw_unoffered_services(self) -> None:
        """Once per start: services of a kind no enabled plugin provides are withdrawn (partners
        see them deleted), and those whose plugin is back are published again."""
        withdrawn, restored = catalogue.reconcile_service_kinds()
        if withdrawn or restored:
            self.app.logger.info("Services withdrawn: %d, published again: %d", withdrawn, restored)
        self.reconciled = True

    def _refresh_registry(self) -> None:
        if self.app.config["COORDINATOR_ENABLED"]:
            coordinator.refresh_member_keys()  # members rotate keys; the registry must follow
        registry.refresh()

    def _announce_changes(self) -> None:
        """Queue a notice for every active peer when our catalogue changed; the outbox delivers it,
        and the counter of announced changes advances in the same transaction."""
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

    def _visits_clock(self) -> None:
        """Host side: expire undecided requests, release no-shows, complete finished visits, close
        ended events."""
        hosting.expire_due()
        hosting.release_no_shows()
        hosting.complete_finished()
        events.close_finished()


def _settled(job: Callable[[], object]) -> Callable[[], object]:
    """``job``, then its session rolled back, whether it failed or returned: what it did not
    commit is dropped (and its locks let go) before anything else is written."""

    def run() -> object:
        try:
            return job()
        finally:
            session.rollback()

    return run


def _peers_with_due_messages() -> list[int]:
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


def _peers_to_pull(interval: float) -> list[int]:
    """Active peers that asked us to sync, were never synced, or not for ``interval`` seconds."""
    stale_before = utcnow() - timedelta(seconds=interval)
    wanted = select(Peer.id).where(
        Peer.status == PeerStatus.ACTIVE,
        or_(Peer.sync_requested_at.is_not(None), Peer.last_synced_at.is_(None), Peer.last_synced_at < stale_before),
    )
    return list(session.scalars(wanted))


def _pull(peer_id: int) -> None:
    peer = session.get(Peer, peer_id)
    if peer is not None and peer.status is PeerStatus.ACTIVE:
        peers.pull_catalogue(peer)
