"""A stand-in peer on a loopback port that answers every request with a chosen status, for
testing how delivery classifies answers (real HTTP, real signatures sent to it)."""

from __future__ import annotations

import threading

from flask import Flask, request
from werkzeug.serving import make_server


class ScriptedPeer:
    def __init__(self):
        self.status = 202
        self.received: list[dict] = []
        app = Flask(__name__)

        @app.post("/federation/notices")
        def notices():
            self.received.append(request.get_json())
            return {"message": f"scripted {self.status}"}, self.status

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
