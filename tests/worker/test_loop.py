"""The worker loop: a job's failure is recorded after what the job left uncommitted is rolled
back, so the record never waits for the job's own locks and never gets lost."""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import make_url

from roaming import create_app
from roaming.accounts.models import Role
from roaming.accounts.operations import create_user
from roaming.catalogue.models import ChangeCounter
from roaming.db import database_url, engine_for, session, utcnow
from roaming.members.models import MemberCompany, Person
from roaming.peers.models import Peer, PeerKey, TrustSource
from roaming.visits.models import Visit
from roaming.worker.loop import Worker
from roaming.worker.models import JobClaim
from tests.conftest import PASSWORD, TEST_CONFIG
from tests.support.http_peer import ScriptedPeer
from tests.support.nodes import running_node, wait_for
from tests.support.sqlite_lock import write_lock_free

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


def test_writes_stay_fast_while_a_poisoned_request_keeps_failing(tmp_path):
    """A real node whose worker resends a visit request that its host answers, every time, with a
    signed 201 that is not a visit document. Meanwhile members log in (each log-in writes) and,
    whenever the host is asked, another connection takes the node's SQLite write lock with a 50 ms
    busy timeout: the job never holds it while it waits. The log-in times are printed (figures in
    docs/reliability.md), not asserted."""
    settings = {"worker_tick_seconds": 0.1, "delivery_retry_base_seconds": 0.2, "delivery_retry_max_seconds": 0.4}
    with ScriptedPeer() as host, running_node(tmp_path, "CyberForum", "DE", **settings) as node:
        host.status, host.body = 201, {"visit_id": "not a visit document"}
        email = _member_with_password(node, host)
        database = _sqlite_file(node)
        probes: list[object] = []
        if database is not None:
            host.while_answering = lambda: probes.append(write_lock_free(database))
        login = {"email": email, "password": PASSWORD}
        browser = requests.Session()
        csrf = browser.post(f"{node.url}/api/auth/login", json=login, timeout=30).json()["csrf_token"]
        asked = browser.post(f"{node.url}/api/visits", json=_plan(), headers={"X-CSRF-Token": csrf}, timeout=60)
        assert asked.status_code == 201 and asked.json()["sent"] is False

        tries_before, seconds = len(host.received), []
        for _ in range(20):
            started = time.perf_counter()
            answer = requests.post(f"{node.url}/api/auth/login", json=login, timeout=60)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 200
            time.sleep(0.1)
        wait_for(lambda: len(host.received) >= tries_before + 3, timeout=30)
        print(
            f"\n20 log-ins while a poisoned request failed {len(host.received) - tries_before} more times: "
            f"median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
        )

        with node.app_context():
            visit = session.scalar(select(Visit))
            assert visit.sent_at is None and visit.send_attempts >= 4 and "malformed" in visit.last_send_error
            claim = session.get(JobClaim, "send-visit-requests")
            assert claim.failures == 0 and claim.last_error is None  # the request failed, not the job
        assert probes == [True] * len(probes)  # every time the host was asked, the lock was free
        assert "database is locked" not in (node.instance / "node.log").read_text()


def _member_with_password(node, host) -> str:
    """A member person with a password, and the scripted host as a pinned partner."""
    with node.app_context():
        company = MemberCompany(name="Datenwerk GmbH", country="DE")
        person = Person(company=company, name="Ana Weber", email="ana@datenwerk.example")
        peer = Peer(node_id="node-host", name="Hostile host", base_url=host.url, trust=TrustSource.PINNED)
        peer.keys.append(PeerKey(key_id=host.key_id, jwk=host.public_jwk()))
        session.add_all([person, peer])
        session.commit()
        create_user(email=person.email, name=person.name, role=Role.MEMBER, password=PASSWORD, person_id=person.id)
        return person.email


def _plan() -> dict:
    first = (date.today() + timedelta(days=30)).isoformat()
    return {"host": "node-host", "desk": "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", "first_day": first, "last_day": first}


def _sqlite_file(node) -> str | None:
    with node.app_context() as app:
        url = make_url(database_url(app))
        return url.database if url.get_backend_name() == "sqlite" else None
