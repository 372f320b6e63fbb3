"""Job claims: a job runs when due, in one worker at a time, with a growing delay after failures;
on PostgreSQL any number of worker processes share the work, on SQLite one worker runs."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from flask import Flask, request

from federation.keys import KeyRing, generate_key
from federation.signing import MemoryNonceStore, verify_request
from roaming import create_app
from roaming.db import engine_for, make_engine, session, utcnow
from roaming.instance import create_instance
from roaming.peers import delivery
from roaming.peers.models import OutboxMessage, Peer, PeerKey, PeerStatus, TrustSource
from roaming.worker.claims import Claims, WorkerAlreadyRunning
from roaming.worker.models import JobClaim
from tests.support.http_peer import signed_answer
from tests.support.nodes import wait_for
from tests.support.postgres import fresh_database
from tests.support.server import LoopbackServer

pytestmark = pytest.mark.one_database(reason="picks SQLite or PostgreSQL per test")

PEERS = 10
MESSAGES = 500


def test_a_job_runs_when_due_and_backs_off_after_failures(app, within):
    claims = Claims(engine_for(app), Path(app.instance_path))
    runs = []
    try:
        assert within(claims.run, "tidy", lambda: runs.append(1), 3600) is True
        assert within(claims.run, "tidy", lambda: runs.append(2), 3600) is False  # not due for an hour
        assert runs == [1]

        def broken():
            raise RuntimeError("mail server away")

        with pytest.raises(RuntimeError):
            within(claims.run, "mail", broken, 0)
        claim = within(lambda: session.get(JobClaim, "mail"))
        assert claim.failures == 1 and claim.last_error == "RuntimeError: mail server away"
        assert 3.5 < (claim.next_run_at - utcnow()).total_seconds() < 6.5  # about 5 s, with jitter
        assert within(claims.run, "mail", lambda: runs.append(3), 0) is False  # still waiting
    finally:
        claims.close()


def test_sqlite_runs_one_worker_per_node(tmp_path):
    node = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    engine = make_engine(f"sqlite:///{node.path / 'roaming.db'}")
    first = Claims(engine, node.path)
    try:
        with pytest.raises(WorkerAlreadyRunning, match="Several workers need PostgreSQL"):
            Claims(engine, node.path)
    finally:
        first.close()
    Claims(engine, node.path).close()  # free again once the first stopped
    engine.dispose()


def test_a_claimed_job_is_skipped_by_other_workers_on_postgresql(tmp_path):
    with fresh_database() as url:
        node = create_instance(
            tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9", database_url=url
        )
        app = create_app({"INSTANCE_PATH": node.path})
        workers = [Claims(engine_for(app), node.path) for _ in range(2)]
        started, release, results = threading.Event(), threading.Event(), []

        def slow_job():
            started.set()
            release.wait(10)

        def first():
            with app.app_context():
                results.append(workers[0].run("sync", slow_job, 0))

        thread = threading.Thread(target=first)
        thread.start()
        assert started.wait(10)
        with app.app_context():
            assert workers[1].run("sync", lambda: results.append("twice"), 0) is False  # skipped, not waiting
        release.set()
        thread.join(10)
        with app.app_context():
            assert workers[1].run("sync", lambda: results.append("after"), 0) is True
        assert results == [True, "after"]
        engine_for(app).dispose()


class RecordingPeers(LoopbackServer):
    """Ten peers on one loopback server (``/peer<N>/...``): each message's signature is checked
    (nonces included) and its id recorded; every answer takes a little while, like a real peer,
    and is signed with that peer's key (``keys``, by the path's peer name)."""

    def __init__(self, signing_keys):
        self.keys = {f"peer{number}": generate_key() for number in range(PEERS)}
        self.received: list[tuple[str, str, int, str]] = []
        self.refused: list[str] = []
        nonces, lock = MemoryNonceStore(), threading.Lock()
        app = Flask(__name__)

        @app.post("/<peer>/federation/notices")
        def notices(peer):
            try:
                with lock:
                    verify_request("POST", request.url, request.headers, request.get_data(), signing_keys, nonces)
            except Exception as error:  # noqa: BLE001 - recorded and asserted below
                self.refused.append(str(error))
                return {"message": "bad signature"}, 401
            payload = request.get_json()
            time.sleep(0.01)
            with lock:
                self.received.append((peer, payload["message_id"], payload["seq"], payload["type"]))
            return signed_answer(self.keys[peer], 202, {"accepted": True})

        super().__init__(app)


def test_two_workers_on_postgresql_deliver_500_messages_once_each(tmp_path):
    with fresh_database() as url:
        node = create_instance(
            tmp_path / "node",
            name="Test",
            country="DE",
            base_url="http://127.0.0.1:9",
            database_url=url,
            settings={"worker_tick_seconds": 0.1, "sync_interval_seconds": 86400},
        )
        public_key = KeyRing(node.path).signing_key().key.public_key
        with RecordingPeers(lambda key_id: public_key) as peers:
            app = create_app({"INSTANCE_PATH": node.path})
            with app.app_context():
                for number in range(PEERS):
                    session.add(
                        Peer(
                            node_id=f"peer-{number}",
                            name=f"Peer {number}",
                            base_url=f"{peers.url}/peer{number}",
                            trust=TrustSource.PINNED,
                            status=PeerStatus.ACTIVE,
                            last_synced_at=utcnow(),  # nothing to pull: this test is about the outbox
                            keys=[
                                PeerKey(
                                    key_id=peers.keys[f"peer{number}"].key_id,
                                    jwk=peers.keys[f"peer{number}"].public_jwk(),
                                )
                            ],
                        )
                    )
                session.commit()
            workers = [_start_worker(node.path, tmp_path / f"worker{index}.log") for index in range(2)]
            try:
                wait_for(lambda: all("Worker running" in log.read_text() for _, log in workers))
                with app.app_context():
                    all_peers = session.query(Peer).order_by(Peer.id).all()
                    for seq in range(MESSAGES):
                        delivery.enqueue(all_peers[seq % PEERS], "/federation/notices", {"type": "test", "seq": seq})
                    session.commit()

                def all_delivered():
                    """every message is marked delivered"""
                    with app.app_context():
                        return session.query(OutboxMessage).filter(OutboxMessage.delivered_at.is_(None)).count() == 0

                wait_for(all_delivered, timeout=120, interval=0.5)
                with app.app_context():  # the 500, and the worker's own notices of the node's new catalogue
                    outbox = set(session.scalars(session.query(OutboxMessage.message_id).statement))
            finally:
                for process, _ in workers:
                    process.send_signal(signal.SIGTERM)
                for process, _ in workers:
                    process.wait(timeout=30)
            engine_for(app).dispose()

    assert peers.refused == []
    counts = Counter(message_id for _, message_id, *_ in peers.received)
    assert set(counts) == outbox and sum(1 for *_, kind in peers.received if kind == "test") == MESSAGES
    assert max(counts.values()) == 1, "a message was sent twice"
    by_peer = defaultdict(list)
    for peer, _, seq, kind in peers.received:
        if kind == "test":
            by_peer[peer].append(seq)
    assert all(sequence == sorted(sequence) for sequence in by_peer.values()), "a peer got messages out of order"
    logs = [log.read_text() for _, log in workers]
    assert not any("Traceback" in text or "Warning" in text for text in logs), logs
    shares = [_delivered_in(text) for text in logs]
    assert sum(shares) == len(outbox) and all(share > 0 for share in shares), shares


def _start_worker(instance: Path, log: Path):
    log.write_text("")
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "roaming", "worker", "--instance", str(instance)],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return process, log


def _delivered_in(log: str) -> int:
    return sum(int(count) for count in re.findall(r"Outbox: (\d+) delivered", log))


def test_a_second_worker_on_sqlite_refuses_to_start(tmp_path):
    node = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    process, log = _start_worker(node.path, tmp_path / "first.log")
    try:
        wait_for(lambda: "Worker running" in log.read_text())
        second = subprocess.run(
            [sys.executable, "-m", "roaming", "worker", "--instance", str(node.path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "Another worker is running for this node" in second.stderr
        assert "Several workers need PostgreSQL" in second.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert "Worker stopped." in log.read_text()
