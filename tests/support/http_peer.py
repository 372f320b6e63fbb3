"""A stand-in peer on a loopback port that answers every request with a chosen status, for
testing how delivery classifies answers (real HTTP, real signatures sent to it)."""

from __future__ import annotations

from flask import Flask, request

from tests.support.server import LoopbackServer


class ScriptedPeer(LoopbackServer):
    def __init__(self):
        self.status = 202
        self.received: list[dict] = []
        self.request_ids: list[str | None] = []
        app = Flask(__name__)

        @app.post("/federation/notices")
        def notices():
            self.received.append(request.get_json())
            self.request_ids.append(request.headers.get("X-Request-Id"))
            return {"message": f"scripted {self.status}"}, self.status

        super().__init__(app)
