"""The webhooks plugin on real nodes: a partner's visitor asks for a desk, staff approve, and a
CRM endpoint on loopback receives signed events, the first one after a failed try (same id, so
the receiver can drop repeats). Signatures refuse tampering, other secrets and old messages."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
import requests
from flask import Flask, request
from roaming_webhooks import signing

from tests.support.nodes import wait_for
from tests.support.server import LoopbackServer
from tests.support.visits import add_desk, add_member, add_staff, home_and_host, next_monday, plan

pytestmark = pytest.mark.each_database


class Receiver:
    """A CRM's endpoint: refuses the first delivery with a 500, then accepts, checking signatures."""

    def __init__(self):
        self.secret = None
        self.received: list[tuple[dict, bytes]] = []
        self.verified: list[dict] = []
        self.lock = threading.Lock()
        self.app = Flask("crm")
        self.app.post("/hooks")(self.hook)

    def hook(self):
        with self.lock:
            self.received.append((dict(request.headers), request.get_data()))
            if len(self.received) == 1:
                return {"error": "temporarily down"}, 500
        signing.verify(self.secret, dict(request.headers), request.get_data())
        self.verified.append(json.loads(request.get_data()))
        return "", 204


def test_visit_events_reach_the_crm_signed_and_retried(tmp_path):
    receiver = Receiver()
    with (
        LoopbackServer(receiver.app) as crm,
        home_and_host(tmp_path, host_settings={"webhooks": {"retry_base_seconds": 1}}) as (home, host),
    ):
        enabled = host.cli("plugins", "enable", "webhooks")
        assert enabled.returncode == 0, enabled.stderr
        added = host.cli("webhooks", "add", f"{crm.url}/hooks")
        assert added.returncode == 0, added.stderr
        receiver.secret = re.search(r"(whsec_\S+)", added.stdout).group(1)
        host.stop()
        host.start()
        visitor, _ = add_member(home, "ana@datenwerk.example")
        staff = add_staff(host)
        desk = add_desk(host)
        asked = requests.post(
            f"{home.url}/api/visits", json=plan(host, desk, next_monday()), headers=visitor, timeout=30
        )
        assert asked.status_code == 201, asked.text
        visit_id = asked.json()["visit_id"]
        approved = requests.post(f"{host.url}/api/visits/{visit_id}/approve", headers=staff, timeout=30)
        assert approved.status_code == 200, approved.text

        wait_for(lambda: len(receiver.verified) == 2, timeout=30)
        events = [
            (event["type"], event["data"]["state"], event["data"]["previous_state"])
            for event in sorted(receiver.verified, key=lambda event: event["timestamp"])
        ]  # a retried event may arrive after a later one: receivers order by timestamp
        assert events == [("visit.requested", "requested", None), ("visit.confirmed", "confirmed", "requested")]
        first = next(event["data"] for event in receiver.verified if event["type"] == "visit.requested")
        assert first["visit_id"] == visit_id and first["role"] == "host" and first["partner"]["name"] == "CyberForum"
        assert first["company"] == "Datenwerk GmbH" and "visitor" not in first  # no personal data by default
        ids = [headers["Webhook-Id"] for headers, _ in receiver.received]
        assert len(ids) == 3 and ids.count(ids[0]) == 2 and len(set(ids)) == 2  # the refused one came again, same id
        listed = host.cli("webhooks", "list")
        assert "2 delivered, 0 waiting, 0 failed" in listed.stdout and receiver.secret not in listed.stdout
        assert receiver.secret not in (host.instance / "node.log").read_text()


def test_signatures_refuse_tampering_other_secrets_and_old_messages():
    secret, other = signing.new_secret(), signing.new_secret()
    body = b'{"type":"visit.confirmed"}'
    headers = signing.headers(secret, "msg_1", body)
    signing.verify(secret, headers, body)
    for wrong_secret, wrong_body, wrong_headers in (
        (secret, b'{"type":"visit.cancelled"}', headers),
        (other, body, headers),
        (secret, body, {**headers, "webhook-id": "msg_2"}),
        (secret, body, signing.headers(secret, "msg_1", body, now=time.time() - 600)),
        (secret, body, {key: value for key, value in headers.items() if key != "webhook-signature"}),
    ):
        with pytest.raises(signing.InvalidSignature):
            signing.verify(wrong_secret, wrong_headers, wrong_body)
