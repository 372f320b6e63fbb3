"""The documented production serving: gunicorn with ``roaming.gunicorn_conf`` and several
processes sharing one database, the replay cache, the browser sessions and the metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from federation.keys import generate_key
from federation.signing import sign_request
from roaming import create_app
from roaming.cli.demo import free_port
from roaming.db import engine_for, session
from roaming.peers.models import Peer, PeerKey, PeerStatus, TrustSource
from tests.support.nodes import wait_for

pytestmark = pytest.mark.each_database

ATTEMPTS = 20


def test_gunicorn_serves_the_node_with_one_replay_cache_for_all_processes(new_instance, tmp_path):
    node = new_instance(base_url="http://127.0.0.1:9")
    partner_key = generate_key()
    app = create_app({"INSTANCE_PATH": node.path})
    with app.app_context():  # a partner whose key this node accepts
        peer = Peer(node_id="partner", name="Partner", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        peer.status = PeerStatus.ACTIVE
        peer.keys.append(PeerKey(key_id=partner_key.key_id, jwk=partner_key.public_jwk()))
        session.add(peer)
        session.commit()
    engine_for(app).dispose()
    with gunicorn(node.path, tmp_path) as (url, log):
        assert requests.get(f"{url}/readyz", timeout=5).json()["status"] == "ready"
        changes = f"{url}/federation/catalogue/changes?since=0&limit=5"
        signed = sign_request("GET", changes, {}, None, partner_key.key.private_key, partner_key.key_id)

        def send(_):
            with requests.Session() as fresh:  # a new connection each time: any process may answer
                return fresh.get(changes, headers=signed, timeout=10).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(ATTEMPTS)))
        assert statuses.count(200) == 1 and statuses.count(401) == ATTEMPTS - 1, statuses

        metrics = requests.get(f"{url}/metrics", timeout=5).text
        assert "roaming_signature_failures_total" in metrics
        refused = next(line for line in metrics.splitlines() if line.startswith("roaming_signature_failures_total"))
        assert float(refused.split()[-1]) == ATTEMPTS - 1  # added up over both processes


def test_a_session_ended_in_one_gunicorn_process_is_ended_in_all(new_instance, tmp_path):
    """Log-out ends the session in the database: a copy of the cookie is refused by every process."""
    node = new_instance(base_url="http://127.0.0.1:9")
    with gunicorn(node.path, tmp_path) as (url, _log):
        browser = requests.Session()
        answer = browser.post(
            f"{url}/api/auth/login", json={"email": node.admin_email, "password": node.admin_password}
        )
        assert answer.status_code == 200, answer.text
        cookie = browser.cookies.get_dict()

        def me(_):
            with requests.Session() as fresh:  # a new connection each time: any process may answer
                return fresh.get(f"{url}/api/me", cookies=cookie, timeout=10).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(me, range(ATTEMPTS))) == {200}
        assert browser.post(f"{url}/api/auth/logout", headers={"X-CSRF-Token": answer.json()["csrf_token"]}).ok
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(me, range(ATTEMPTS))) == {401}


@contextmanager
def gunicorn(instance: Path, tmp_path: Path):
    """The node at ``instance`` served by gunicorn with two processes, both answering; yields its
    URL and log file, and stops it at the end (checking that it stopped cleanly)."""
    port = free_port("127.0.0.1")
    metrics_folder = tmp_path / "metrics"
    metrics_folder.mkdir()
    environment = {
        **os.environ,
        "ROAMING_INSTANCE": str(instance),
        "ROAMING_BIND": f"127.0.0.1:{port}",
        "ROAMING_WEB_PROCESSES": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:roaming.gunicorn_conf", "roaming.wsgi:app"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:

        def answering():
            """gunicorn answers /healthz"""
            try:
                return requests.get(f"{url}/healthz", timeout=5).ok
            except requests.RequestException:  # not listening yet, or still booting
                return server.poll() is not None and AssertionError(log.read_text())

        assert wait_for(answering, timeout=60) is True, log.read_text()

        def both_processes_answer():
            """requests are answered by both gunicorn processes"""
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda _: requests.get(f"{url}/healthz", timeout=10), range(32)))
            return len(_access_log_processes(log.read_text())) == 2

        wait_for(both_processes_answer, timeout=60, interval=0)
        yield url, log
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    text = log.read_text()
    assert text.count("Booting worker") == 2 and "Traceback" not in text


def _access_log_processes(log: str) -> set[str]:
    """The process ids in the access lines ("<date> <time> INFO roaming.access <pid> [<id>] ...")."""
    return {line.split()[4] for line in log.splitlines() if " roaming.access " in line}
