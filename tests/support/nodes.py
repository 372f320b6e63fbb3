"""Real nodes for multi-node tests: each an instance folder and a ``roaming run`` process on a
free loopback port, stopped (with its whole process group) when the test ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from federation.keys import KeyRing
from roaming import create_app
from roaming.cli.demo import free_port
from roaming.db import engine_for
from roaming.instance import create_instance

START_TIMEOUT = 30


@dataclass
class Node:
    name: str
    instance: Path
    url: str
    admin_email: str
    admin_password: str
    process: subprocess.Popen

    def stop(self) -> None:
        """Stop the node's server (SIGTERM to its process group; SIGKILL if it lingers)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def key_id(self) -> str:
        return KeyRing(self.instance).signing_key().key_id

    def signing_key(self):
        return KeyRing(self.instance).signing_key()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run a ``roaming`` command against this node's instance."""
        return subprocess.run(
            [sys.executable, "-m", "roaming", *args, "--instance", str(self.instance)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    @contextmanager
    def app_context(self):
        """Work on this node's database directly, as a CLI command would."""
        app = create_app({"INSTANCE_PATH": self.instance})
        try:
            with app.app_context():
                yield app
        finally:
            engine_for(app).dispose()


@contextmanager
def running_node(folder: Path, name: str, country: str, **settings):
    """A node serving on a free port; ``settings`` go into its roaming.toml (server and CLI see them)."""
    port = free_port("127.0.0.1")
    url = f"http://127.0.0.1:{port}"
    created = create_instance(folder / name.lower().replace(" ", "-"), name=name, country=country, base_url=url)
    with (created.path / "roaming.toml").open("a") as config:
        config.writelines(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    log = open(created.path / "node.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "roaming", "run", "--instance", str(created.path), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    node = Node(name, created.path, url, created.admin_email, created.admin_password, process)
    try:
        _wait_healthy(url, process, created.path)
        yield node
    finally:
        node.stop()
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen, instance: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"node exited: {(instance / 'node.log').read_text()}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not start")
