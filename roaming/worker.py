"""Background jobs: member keys and registry refresh, change notices, outbox delivery, catalogue pulls.

On the embedded SQLite default, ``roaming run`` starts one worker thread in the server process.
``roaming worker`` runs the same loop on its own. Each job runs in a fresh app context; a failing
job is logged and retried on a later tick with a growing delay, and never stops the others.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select, update

from federation.client import DeliveryError
from roaming import plugins
from roaming.catalogue import operations as catalogue
from roaming.catalogue.changes import last_change_number
from roaming.catalogue.models import ChangeCounter
from roaming.coordinator import operations as coordinator
from roaming.db import session, utcnow
from roaming.errors import DomainError
from roaming.events import attending
from roaming.events import hosting as events
from roaming.followup import operations as followup
from roaming.notify import operations as notifications
from roaming.peers import delivery, registry
from roaming.peers import operations as peers
from roaming.peers.models import Peer, PeerStatus
from roaming.privacy import operations as privacy
from roaming.visits import hosting, visiting

NOTIFIED_COUNTER = "notified"
MAX_BACKOFF_SECONDS = 3600
RETENTION_INTERVAL_SECONDS = 3600  # visitor details are wiped by the day; hourly is plenty


@dataclass
class Backoff:
    """When each named task may run next, growing with consecutive failures (with jitter)."""

    next_run: dict[str, float] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def due(self, name: str, now: float) -> bool:
        return now >= self.next_run.get(name, 0)

    def succeeded(self, name: str, now: float, interval: float) -> None:
        self.failures.pop(name, None)
        self.next_run[name] = now + interval

    def failed(self, name: str, now: float, base: float = 5.0) -> None:
        count = self.failures[name] = self.failures.get(name, 0) + 1
        delay = min(MAX_BACKOFF_SECONDS, base * 2 ** (count - 1))
        self.next_run[name] = now + delay * random.uniform(0.8, 1.2)


class Worker:
    def __init__(self, app: Flask):
        self.app = app
        self.backoff = Backoff()
        self.stopping = threading.Event()
        with app.app_context():
            self.plugin_jobs = plugins.jobs()

    def run_once(self) -> None:
        jobs = (
            self._withdraw_unoffered_services,
            self._refresh_registry,
            self._announce_changes,
            self._visits_clock,
            self._send_visit_requests,
            self._send_registrations,
            self._followup,
            self._deliver,
            self._notify,
            self._pull_peers,
            self._run_plugin_jobs,
        )
        for job in jobs:
            with self.app.app_context():
                try:
                    job(time.monotonic())
                except Exception:  # noqa: BLE001 - a job's failure must not stop the worker
                    self.app.logger.exception("Worker job %s failed", job.__name__)
                    session.rollback()

    def run_forever(self) -> None:
        tick = float(self.app.config["WORKER_TICK_SECONDS"])
        while not self.stopping.is_set():
            self.run_once()
            self.stopping.wait(tick)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="roaming-worker", daemon=True)
        thread.start()
        return thread

    def _withdraw_unoffered_services(self, now: float) -> None:
        """Once per start: services of a kind no enabled plugin provides are withdrawn (partners
        see them deleted), and those whose plugin is back are published again."""
        if self.backoff.due("service-kinds", now):
            withdrawn, restored = catalogue.reconcile_service_kinds()
            if withdrawn or restored:
                self.app.logger.info("Services withdrawn: %d, published again: %d", withdrawn, restored)
            self.backoff.succeeded("service-kinds", now, float("inf"))

    def _run_plugin_jobs(self, now: float) -> None:
        for plugin, job in self.plugin_jobs:
            name = f"{plugin}:{job.name}"
            if not self.backoff.due(name, now):
                continue
            try:
                job.run()
            except Exception:  # noqa: BLE001 - a plugin's job must not stop the others
                self.app.logger.exception("Plugin '%s' job %s failed", plugin, job.name)
                session.rollback()
                self.backoff.failed(name, now)
                continue
            self.backoff.succeeded(name, now, job.interval_seconds)

    def _refresh_registry(self, now: float) -> None:
        if not registry.configured() or not self.backoff.due("registry", now):
            return
        try:
            if self.app.config["COORDINATOR_ENABLED"]:
                coordinator.refresh_member_keys()  # members rotate keys; the registry must follow
            registry.refresh()
        except DomainError as error:
            self.app.logger.warning("%s", error.message)
            self.backoff.failed("registry", now)
            return
        self.backoff.succeeded("registry", now, self.app.config["REGISTRY_REFRESH_SECONDS"])

    def _announce_changes(self, now: float) -> None:
        """Queue a notice for every active peer when our catalogue changed; the outbox delivers it,
        and the counter of announced changes advances in the same transaction."""
        latest = last_change_number(session)
        counter = session.get(ChangeCounter, NOTIFIED_COUNTER)
        if counter is None:
            counter = ChangeCounter(name=NOTIFIED_COUNTER, value=0)
            session.add(counter)
        if latest <= counter.value:
            return
        for peer in session.scalars(select(Peer).where(Peer.status == PeerStatus.ACTIVE)):
            delivery.enqueue(peer, "/federation/notices", {"type": "catalogue.changed", "seq": latest})
        session.execute(update(ChangeCounter).where(ChangeCounter.name == NOTIFIED_COUNTER).values(value=latest))
        session.commit()

    def _visits_clock(self, now: float) -> None:
        """Host side: expire undecided requests, release no-shows, complete finished visits, close
        ended events; hourly, wipe visitor details past their retention."""
        if not self.backoff.due("visits-clock", now):
            return
        hosting.expire_due()
        hosting.release_no_shows()
        hosting.complete_finished()
        events.close_finished()
        self.backoff.succeeded("visits-clock", now, self.app.config["VISIT_CLOCK_SECONDS"])
        if self.backoff.due("retention", now):
            privacy.apply_retention()
            self.backoff.succeeded("retention", now, RETENTION_INTERVAL_SECONDS)

    def _send_visit_requests(self, now: float) -> None:
        visiting.send_pending()

    def _send_registrations(self, now: float) -> None:
        attending.send_pending()

    def _followup(self, now: float) -> None:
        followup.send_due()

    def _notify(self, now: float) -> None:
        notifications.send_due()

    def _deliver(self, now: float) -> None:
        delivery.deliver_due(peers.client())

    def _pull_peers(self, now: float) -> None:
        interval = self.app.config["SYNC_INTERVAL_SECONDS"]
        stale_before = utcnow().timestamp() - interval
        for peer in session.scalars(select(Peer).where(Peer.status == PeerStatus.ACTIVE)).all():
            name = f"pull:{peer.node_id}"
            wanted = (
                peer.sync_requested_at is not None
                or peer.last_synced_at is None
                or peer.last_synced_at.timestamp() < stale_before
            )
            if not wanted or not self.backoff.due(name, now):
                continue
            try:
                peers.pull_catalogue(peer)
            except (DeliveryError, DomainError) as error:
                self.app.logger.warning("Sync from %s failed: %s", peer.name, error)
                self.backoff.failed(name, now)
                continue
            self.backoff.succeeded(name, now, 0)
