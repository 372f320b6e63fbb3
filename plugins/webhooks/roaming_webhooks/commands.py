"""``roaming webhooks``: the endpoints that receive the node's visit events."""

from __future__ import annotations

from urllib.parse import urlparse

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from roaming.cli import instance_option
from roaming.db import session
from roaming_webhooks import signing
from roaming_webhooks.models import Delivery, Endpoint

EVENT_TYPES = (
    "visit.requested",
    "visit.confirmed",
    "visit.declined",
    "visit.expired",
    "visit.cancelled",
    "visit.checked_in",
    "visit.no_show",
    "visit.completed",
)


@click.group("webhooks", help="Signed webhooks on visit events (for a CRM).")
def webhooks_group():
    pass


@webhooks_group.command("add")
@instance_option
@click.argument("url")
@click.option("--event", "events", multiple=True, type=click.Choice(EVENT_TYPES), help="Only these (default: all).")
@with_appcontext
def add_command(url, events):
    """Send visit events to URL; prints the signing secret once."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise click.BadParameter(f"'{url}' is not an http(s) URL.", param_hint="URL")
    endpoint = Endpoint(url=url, secret=signing.new_secret(), events=list(events))
    session.add(endpoint)
    session.commit()
    click.echo(f"Endpoint {endpoint.id}: {url} ({', '.join(events) or 'every event'})")
    click.echo(f"Signing secret (shown once; give it to the receiver): {endpoint.secret}")


@webhooks_group.command("list")
@instance_option
@with_appcontext
def list_command():
    """The endpoints, with what is waiting and what failed."""
    for endpoint in session.scalars(select(Endpoint).order_by(Endpoint.id)):
        counts = {
            label: session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.endpoint_id == endpoint.id, condition)
            )
            for label, condition in (
                ("delivered", Delivery.delivered_at.is_not(None)),
                ("waiting", Delivery.delivered_at.is_(None) & Delivery.failed_at.is_(None)),
                ("failed", Delivery.failed_at.is_not(None)),
            )
        }
        summary = ", ".join(f"{count} {label}" for label, count in counts.items())
        click.echo(f"{endpoint.id}  {endpoint.url}  [{', '.join(endpoint.events) or 'every event'}]  {summary}")


@webhooks_group.command("remove")
@instance_option
@click.argument("endpoint_id", type=int)
@with_appcontext
def remove_command(endpoint_id):
    """Stop sending to an endpoint (its queued deliveries go too)."""
    endpoint = session.get(Endpoint, endpoint_id)
    if endpoint is None:
        raise click.ClickException(f"No endpoint {endpoint_id}.")
    session.execute(Delivery.__table__.delete().where(Delivery.endpoint_id == endpoint_id))
    session.delete(endpoint)
    session.commit()
    click.echo(f"Removed endpoint {endpoint_id}.")
