"""A stand-in peer on a loopback port that answers every signed POST (and GET) with a chosen
status and body, signed with a key of its own, or in one of the ways a hostile or broken peer
would, for testing how senders classify answers (real HTTP, real signatures both ways)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, request

from federation.keys import NodeKey, generate_key
from federation.signing import sign_response
from tests.support.server import LoopbackServer

ANSWERS = ("signed", "unsigned", "other-key", "tampered", "stale", "other-request")
"""How the peer answers: signed by its key as the protocol says; or without a signature; signed
by a key that is not the peer's; with the body changed after signing (Content-Digest mismatch);
with a signature ten minutes old; signed for another request (as if replayed from one)."""


def signed_answer(key: NodeKey, status: int, data: object) -> Response:
    """``data`` as JSON, signed with ``key`` for the request being answered."""
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json"}
    signed = sign_response(status, headers, body, request.method, request.url, key.key.private_key, key.key_id)
    return Response(body, status, signed)


class ScriptedPeer(LoopbackServer):
    def __init__(self):
        self.key = generate_key()
        self.status: int | Callable[[dict], int] = 202  # or chosen by the request's JSON
        self.body: object | Callable[[dict], object] = None  # or made from the request's JSON; default:
        # {"message": "scripted <status>"}
        self.answer = "signed"
        self.while_answering: Callable[[], None] | None = None  # runs while the sender waits for the answer
        self.received: list[dict] = []
        self.paths: list[str] = []
        self.request_ids: list[str | None] = []
        self.lock = threading.Lock()
        app = Flask(__name__)

        @app.post("/<path:path>")
        def anything(path):
            with self.lock:
                self.received.append(request.get_json())
                self.paths.append(f"/{path}")
                self.request_ids.append(request.headers.get("X-Request-Id"))
            if self.while_answering is not None:
                self.while_answering()
            return self._answer(request.get_json())

        @app.get("/<path:path>")
        def read(path):
            return self._answer(dict(request.args))

        super().__init__(app)

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def public_jwk(self) -> dict:
        return self.key.public_jwk()

    def _answer(self, asked: dict) -> Response:
        status = self.status(asked) if callable(self.status) else self.status
        data = self.body(asked) if callable(self.body) else self.body
        data = data if data is not None else {"message": f"scripted {status}"}
        body = json.dumps(data).encode()
        headers = {"Content-Type": "application/json"}
        if self.answer == "unsigned":
            return Response(body, status, headers)
        key = generate_key() if self.answer == "other-key" else self.key
        url = request.url + ("/elsewhere" if self.answer == "other-request" else "")
        now = datetime.now(UTC) - (timedelta(minutes=10) if self.answer == "stale" else timedelta())
        signed = sign_response(status, headers, body, request.method, url, key.key.private_key, key.key_id, now=now)
        if self.answer == "tampered":
            body = json.dumps({**data, "tampered": True}).encode() if isinstance(data, dict) else b"[]"
        return Response(body, status, signed)
