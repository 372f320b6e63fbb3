"""The worker loop: a job's failure is recorded after what the job left uncommitted is rolled
back, so the record never waits for the job's own locks and never gets lost."""

from __future__ import annotations

import pytest

from roaming import create_app
from roaming.catalogue.models import ChangeCounter
from roaming.db import engine_for, session, utcnow
from roaming.worker.loop import Worker
from roaming.worker.models import JobClaim
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.each_database


@pytest.fixture
def worker(instance_path):
    """A worker whose database gives up waiting for a lock after half a second."""
    app = create_app({"INSTANCE_PATH": instance_path, **TEST_CONFIG, "DATABASE_LOCK_WAIT_SECONDS": 0.5})
    worker = Worker(app)
    yield worker
    worker.claims.close()
    engine_for(app).dispose()


def _claim(worker, name):
    with worker.app.app_context():
        return session.get(JobClaim, name)


def _counter(worker, name):
    with worker.app.app_context():
        return session.get(ChangeCounter, name)


def test_a_job_failing_after_it_wrote_is_rolled_back_and_its_failure_recorded(worker):
    def poisoned():
        session.add(ChangeCounter(name="half-done", value=1))
        session.flush()  # written, not committed: on SQLite the job now holds the write lock
        raise OverflowError("date value out of range")

    worker._run("poisoned", poisoned)
    claim = _claim(worker, "poisoned")
    assert claim.failures == 1 and claim.last_error == "OverflowError: date value out of range"
    assert _counter(worker, "half-done") is None

    worker._run("poisoned", poisoned)  # the next tick: it waits its retry delay
    assert _claim(worker, "poisoned").failures == 1


def test_what_a_job_leaves_uncommitted_is_dropped_and_its_success_recorded(worker):
    def forgetful():
        session.add(ChangeCounter(name="kept", value=1))
        session.commit()
        session.add(ChangeCounter(name="forgotten", value=1))
        session.flush()

    worker._run("forgetful", forgetful, 60)
    assert _counter(worker, "kept").value == 1 and _counter(worker, "forgotten") is None
    claim = _claim(worker, "forgetful")
    assert claim.failures == 0 and (claim.next_run_at - utcnow()).total_seconds() > 50  # due again in a minute
