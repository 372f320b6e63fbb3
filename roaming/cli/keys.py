"""``roaming keys``: the node's signing keys."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from federation.keys import RotationInProgress
from roaming.cli import instance_option
from roaming.identity import operations as ops


@click.group("keys", help="The node's Ed25519 signing keys.")
def keys_group():
    pass


@keys_group.command("show")
@instance_option
@with_appcontext
def show_command():
    """List the published keys and which one signs."""
    ring = ops.key_ring()
    signing = ring.signing_key().key_id
    for key in ring.published_keys():
        click.echo(f"{key.key_id}  {'signing' if key.key_id == signing else 'published'}")
    for step, when in ring.schedule().items():
        if step.endswith("_at"):
            click.echo(f"{step.replace('_', ' ')}: {datetime.fromisoformat(when):%Y-%m-%d %H:%M} UTC")


@keys_group.command("rotate")
@instance_option
@with_appcontext
def rotate_command():
    """Publish a new key now; it starts signing after the configured delay, and the old key is
    dropped once signatures made with it have expired."""
    try:
        new_key = ops.rotate_keys()
    except RotationInProgress as error:
        raise click.ClickException(str(error)) from None
    activate = datetime.fromisoformat(ops.key_ring().schedule()["activate_next_at"]).astimezone(UTC)
    click.echo(f"Published new key {new_key.key_id}; it signs from {activate:%Y-%m-%d %H:%M} UTC.")


def register(cli: click.Group) -> None:
    cli.add_command(keys_group)
