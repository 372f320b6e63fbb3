"""``roaming keys``: the node's signing keys.

``keys show`` reads the instance folder's key ring in the node's base app (settings only), so it
starts fast; ``keys rotate`` loads the whole node and imports its identity operations when it runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app

from federation.keys import KeyRing, RotationInProgress
from roaming.cli import instance_option, with_appcontext, with_base_app


@click.group("keys", help="The node's Ed25519 signing keys.")
def keys_group():
    pass


@keys_group.command("show")
@instance_option
@with_base_app(database=False)
def show_command():
    """List the published keys and which one signs."""
    ring = KeyRing(Path(current_app.instance_path))
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
    from roaming.identity import operations as ops

    try:
        new_key = ops.rotate_keys()
    except RotationInProgress as error:
        raise click.ClickException(str(error)) from None
    activate = datetime.fromisoformat(ops.key_ring().schedule()["activate_next_at"]).astimezone(UTC)
    click.echo(f"Published new key {new_key.key_id}; it signs from {activate:%Y-%m-%d %H:%M} UTC.")
