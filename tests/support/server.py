"""Servers on free loopback ports, run in a background thread for the length of a test."""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import make_server


class BackgroundServer:
    """Serves ``self.server`` (anything with ``serve_forever``, ``shutdown``, ``server_close``)
    in a thread inside a ``with`` block."""

    server = None

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class LoopbackServer(BackgroundServer):
    """A Flask app on a free loopback port."""

    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
