"""Real nodes for multi-node tests: each an instance folder and a ``roaming run`` process (or
gunicorn with the documented configuration and a ``roaming worker``) on a loopback port, stopped
(with their whole process groups) when the test ends. A node can be stopped and started again on
the same port, as after a crash or an outage."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from federation.keys import KeyRing, thumbprint_of
from roaming import create_app
from roaming.cli.demo import free_port
from roaming.db import engine_for, session
from roaming.instance import create_instance
from roaming.peers.operations import add_pinned_peer
from tests.support.templates import migrated_suite_database, migrated_template

START_TIMEOUT = 30
PORT_ATTEMPTS = 3


class PortTaken(Exception):
    """Another node answers at the port this one was to listen on."""


@dataclass
class Node:
    name: str
    instance: Path
    port: int
    admin_email: str
    admin_password: str
    web_processes: int = 0  # 0: ``roaming run``; more: gunicorn with that many processes
    processes: list[subprocess.Popen] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def key_id(self) -> str:
        return KeyRing(self.instance).signing_key().key_id

    def signing_key(self):
        return KeyRing(self.instance).signing_key()

    def start(self) -> None:
        instance = ["--instance", str(self.instance)]
        if self.web_processes:
            environment = {
                **os.environ,
                "ROAMING_INSTANCE": str(self.instance),
                "ROAMING_BIND": f"127.0.0.1:{self.port}",
                "ROAMING_WEB_PROCESSES": str(self.web_processes),
            }
            gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:roaming.gunicorn_conf", "roaming.wsgi:app"]
            commands = [gunicorn, [sys.executable, "-m", "roaming", "worker", *instance]]
        else:
            environment = None
            commands = [[sys.executable, "-m", "roaming", "run", *instance, "--port", str(self.port)]]
        with open(self.instance / "node.log", "ab") as log:
            self.processes = [
                subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=environment)
                for command in commands
            ]
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise AssertionError(f"{self.name} exited: {(self.instance / 'node.log').read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    self._check_it_is_this_node()
                    return
            except requests.RequestException:  # not listening yet, or busy starting
                time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start")

    def _check_it_is_this_node(self) -> None:
        """Raise ``PortTaken`` when the node answering at our port is another one: between picking a
        free port and binding it, a node of another test may have taken it (gunicorn keeps trying
        to bind for a few seconds while the other answers)."""
        published = requests.get(f"{self.url}/.well-known/jwks.json", timeout=5).json().get("keys", [])
        if self.key_id not in {thumbprint_of(jwk) for jwk in published}:
            raise PortTaken(self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and its worker (SIGKILL for a crash); waits until they are gone."""
        for process in self.processes:
            if process.poll() is not None:
                continue
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run a ``roaming`` command against this node's instance."""
        return subprocess.run(
            [sys.executable, "-m", "roaming", *args, "--instance", str(self.instance)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def trust(self, other: Node) -> None:
        """Pin ``other``'s key here, as ``roaming peers add URL --fingerprint KEY`` does (in this
        process: set-up for tests that are not about the command)."""
        with self.app_context():
            add_pinned_peer(other.url, other.key_id)

    @contextmanager
    def app_context(self):
        """Work on this node's database directly, as a CLI command would: what the block wrote is
        committed when it ends without an error."""
        app = create_app({"INSTANCE_PATH": self.instance})
        try:
            with app.app_context():
                yield app
                session.commit()
        finally:
            engine_for(app).dispose()


@contextmanager
def running_node(
    folder: Path,
    name: str,
    country: str,
    database_url: str | None = None,
    base_url: str | None = None,
    web_processes: int = 0,
    **settings,
):
    """A node serving on a free port; ``settings`` go into its roaming.toml (server and CLI see
    them; a dict becomes a table, as a plugin's settings). ``database_url``: its database
    (default: a copy of the suite's migrated one, see tests/support/templates.py). ``base_url``: its public
    URL when a proxy stands in front of it (default: its own loopback address). ``web_processes``:
    serve with gunicorn and that many processes, and a separate ``roaming worker``."""
    with ExitStack() as databases:
        if database_url is None:
            database_url = databases.enter_context(migrated_suite_database())
        with _serving(folder, name, country, database_url, base_url, web_processes, settings) as node:
            yield node


@contextmanager
def _serving(
    folder: Path,
    name: str,
    country: str,
    database_url: str | None,
    base_url: str | None,
    web_processes: int,
    settings: dict,
):
    port = free_port("127.0.0.1")
    path = folder / name.lower().replace(" ", "-")
    if database_url is None:  # SQLite in the instance folder: a copy of the migrated one
        path.mkdir(parents=True)
        shutil.copy(migrated_template(), path / "roaming.db")
    created = create_instance(
        path,
        name=name,
        country=country,
        base_url=base_url or f"http://127.0.0.1:{port}",
        database_url=database_url,
        settings={"testing": True},  # cheap password hashes (roaming.accounts.operations)
    )
    with (created.path / "roaming.toml").open("a") as config:
        config.writelines(
            f"{key} = {json.dumps(value)}\n" for key, value in settings.items() if not isinstance(value, dict)
        )
        for table, values in ((key, value) for key, value in settings.items() if isinstance(value, dict)):
            config.write(f"\n[{table}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items()))
    node = Node(name, created.path, port, created.admin_email, created.admin_password, web_processes)
    try:
        for _attempt in range(PORT_ATTEMPTS):
            try:
                node.start()
                break
            except PortTaken:
                node.stop()
                node.port = free_port("127.0.0.1")
                if base_url is None:
                    _set_base_url(created.path, node.url)
        else:
            raise AssertionError(f"{name}: another node took its port {PORT_ATTEMPTS} times")
        yield node
    finally:
        node.stop()


def _set_base_url(instance: Path, url: str) -> None:
    config = instance / "roaming.toml"
    config.write_text(re.sub(r'^base_url = ".*"$', f'base_url = "{url}"', config.read_text(), count=1, flags=re.M))


def wait_for(check, timeout: float = 20.0, interval: float = 0.2):
    """Call ``check`` until it returns something truthy (and return that); fail after ``timeout``
    seconds, naming the check by its docstring."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Not true after {timeout} s: {check.__doc__ or check}")
        time.sleep(interval)
