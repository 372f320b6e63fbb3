"""The worker loop: each pass runs the jobs the core's parts and the enabled plugins register
(``roaming_register_jobs``): member keys and registry refresh, change notices, the visits' and
events' clocks, outbox delivery, catalogue pulls, mail, surveys, retention, plugin jobs.

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
from functools import partial
from pathlib import Path

from flask import Flask

from federation.client import DeliveryError
from roaming import logs, plugins
from roaming.db import engine_for, session
from roaming.errors import DomainError
from roaming.hookspecs import Job
from roaming.worker.claims import Claims
from roaming.worker.jobs import CoreJob

EXPECTED_FAILURES = (DeliveryError, DomainError)  # logged as warnings, without a traceback


class Worker:
    def __init__(self, app: Flask):
        self.app = app
        self.stopping = threading.Event()
        self.claims = Claims(engine_for(app), Path(app.instance_path))
        self.started: set[str] = set()  # the once-per-start jobs that succeeded
        with app.app_context():
            self.jobs = [(_claim_name(plugin, job), job) for plugin, job in plugins.jobs()]

    def run_once(self) -> None:
        """One pass over every job, in order; each one that is due and unclaimed runs."""
        for name, job in self.jobs:
            if isinstance(job, CoreJob) and job.once_per_start:
                if name not in self.started and self._run(name, job.run):
                    self.started.add(name)
            elif isinstance(job, CoreJob) and job.each is not None:
                for item in self._in_app_context(lambda job=job: list(job.each())):
                    self._run(f"{name}:{item}", partial(job.run, item), job.interval_seconds)
            else:
                self._run(name, job.run, job.interval_seconds)

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

    def _run(self, name: str, job: Callable[[], object], interval: float = 0) -> bool:
        """Run ``job`` under the claim ``name`` in a fresh app context; log its failure. True if
        it ran and succeeded."""
        with self.app.app_context(), logs.request_id(None):
            try:
                return self.claims.run(name, _settled(job), interval)
            except EXPECTED_FAILURES as error:
                self.app.logger.warning("Worker job %s failed: %s", name, error)
            except Exception:  # noqa: BLE001 - a job's failure must not stop the worker
                self.app.logger.exception("Worker job %s failed", name)
            return False

    def _in_app_context(self, query, *args):
        with self.app.app_context():
            return query(*args)


def _claim_name(plugin: str, job: Job) -> str:
    """The core's jobs are claimed under their own names, a plugin's under ``plugin:<plugin>:<name>``."""
    return job.name if plugin in plugins.BUILTINS else f"plugin:{plugin}:{job.name}"


def _settled(job: Callable[[], object]) -> Callable[[], object]:
    """``job``, then its session rolled back, whether it failed or returned: what it did not
    commit is dropped (and its locks let go) before anything else is written."""

    def run() -> object:
        try:
            return job()
        finally:
            session.rollback()

    return run
