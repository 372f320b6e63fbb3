"""``roaming init`` and ``roaming run``."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.parse import urlparse

import click
from flask import current_app
from marshmallow import ValidationError
from werkzeug.serving import make_server

from roaming import logs, migrate
from roaming.accounts.operations import prepare_for_logins, warn_of_testing_mode
from roaming.cli import instance_option, with_appcontext
from roaming.db import engine_for
from roaming.instance import InstanceExists, create_instance
from roaming.worker.claims import WorkerAlreadyRunning
from roaming.worker.loop import Worker


@click.command("init")
@click.option(
    "--instance",
    "instance",
    required=True,
    envvar="ROAMING_INSTANCE",
    type=click.Path(file_okay=False),
    help="Folder to create the instance in.",
)
@click.option("--name", required=True, help="The cluster's name, e.g. 'CyberForum'.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 country code, e.g. DE.")
@click.option("--url", "base_url", required=True, help="The node's public base URL, e.g. https://bra.example.org.")
@click.option("--admin-email", help="E-mail of the first admin account (default: admin@<url host>).")
@click.option("--database-url", help="SQLAlchemy URL (default: SQLite in the instance folder).")
def init_command(instance, name, country, base_url, admin_email, database_url):
    """Create a node: settings, secret, signing key, database and a first admin account."""
    try:
        created = create_instance(
            Path(instance).resolve(),
            name=name,
            country=country,
            base_url=base_url,
            admin_email=admin_email,
            database_url=database_url,
        )
    except ValidationError as error:
        raise click.UsageError(" ".join(str(m) for m in _messages(error))) from None
    except InstanceExists as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created node '{name}' in {created.path}")
    click.echo(f"  signing key id: {created.key_id}")
    click.echo(f"  admin login:    {created.admin_email}")
    click.echo(f"  admin password: {created.admin_password}   (shown once: store it now)")
    click.echo(f"Start it with: {_run_hint(instance, base_url)}")


def _run_hint(instance: str, base_url: str) -> str:
    """The command that serves the node where its base URL says: on a loopback URL, that URL's
    port (``roaming run`` listens on 5000 unless told); a public URL is served behind the reverse
    proxy (docs/operations.md), so nothing is added."""
    url = urlparse(base_url)
    command = f"roaming run --instance {instance}"
    if url.hostname in ("127.0.0.1", "localhost", "::1"):
        port = url.port or (443 if url.scheme == "https" else 80)
        if port != 5000:
            command += f" --port {port}"
    return command


def _messages(error: ValidationError):
    messages = error.messages
    if isinstance(messages, dict):
        for field, texts in messages.items():
            yield f"{field}: {' '.join(texts) if isinstance(texts, list) else texts}"
    else:
        yield from messages


@click.command("run")
@instance_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@with_appcontext
def run_command(host, port):
    """Serve the node over HTTP until interrupted (Ctrl+C or SIGTERM)."""
    app = current_app._get_current_object()
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    warn_of_testing_mode(app)
    engine = engine_for(app)
    behind = migrate.behind(app, engine)
    if behind:
        raise click.ClickException(f"The database is not up to date ({'; '.join(behind)}): run 'roaming db upgrade'.")
    prepare_for_logins(app)
    server = make_server(host, port, app, threaded=True)
    worker = None
    if app.config["WORKER_IN_PROCESS"]:
        try:
            worker = Worker(app)
        except WorkerAlreadyRunning as running:
            click.echo(f"Serving without the in-process worker: {running}", err=True)
    if worker:
        worker.start_thread()
    for sig in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored
        signal.signal(sig, _stop)
    click.echo(f"Serving {app.config['NODE_NAME']} on http://{host}:{server.port} (Ctrl+C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if worker:
            worker.stopping.set()
        server.server_close()
        click.echo("Stopped.", err=True)


def _stop(_signum, _frame):
    raise KeyboardInterrupt


@click.command("worker")
@instance_option
@with_appcontext
def worker_command():
    """Run the background jobs (delivery, sync, the visits' clock, mail...) until interrupted.

    On PostgreSQL start as many as you like, on any machines sharing the database; on SQLite one."""
    app = current_app._get_current_object()
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    warn_of_testing_mode(app)
    try:
        worker = Worker(app)
    except WorkerAlreadyRunning as running:
        raise click.ClickException(str(running)) from None
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: worker.stopping.set())
    click.echo("Worker running (Ctrl+C to stop).", err=True)
    worker.run_forever()
    click.echo("Worker stopped.", err=True)
