"""``roaming peers`` and ``roaming sync``.

The module imports what ``peers list`` needs and nothing more: the list is read in the node's
base app (settings and database), so it starts fast. The other commands load the whole node and
import the peers' operations (the federation client, its schemas) when they run.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from roaming.cli import instance_option, with_appcontext, with_base_app
from roaming.db import session, utcnow
from roaming.peers.models import Peer


@click.group("peers", help="Partner nodes.")
def peers_group():
    pass


@peers_group.command("add")
@instance_option
@click.argument("url")
@click.option("--fingerprint", required=True, help="The peer's key id (RFC 7638 thumbprint), from its admin.")
@with_appcontext
def add_command(url, fingerprint):
    """Trust the node at URL bilaterally, through its key with this fingerprint."""
    from roaming.errors import DomainError
    from roaming.peers import operations as ops

    try:
        peer = ops.add_pinned_peer(url, fingerprint)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Added {peer.name} ({peer.country or '??'}), node {peer.node_id}, key {fingerprint}.")
    click.echo("Its admin must add this node too: roaming keys show prints our fingerprint.")


@peers_group.command("list")
@instance_option
@with_base_app(database=True)
def list_command():
    """Peers with their trust, status and last sync."""
    for peer in session.scalars(select(Peer).order_by(Peer.name)):
        synced = f"{peer.last_synced_at:%Y-%m-%d %H:%M}" if peer.last_synced_at else "never"
        error = f"  last error: {peer.last_sync_error}" if peer.last_sync_error else ""
        click.echo(f"{peer.name:<32} {peer.status.value:<9} {peer.trust.value:<8} synced {synced}{error}")
        click.echo(f"    {peer.base_url}  node {peer.node_id}")


@peers_group.command("status")
@instance_option
@with_appcontext
def status_command():
    """Delivery to each peer: queue depth, failures, breaker, last error; and sync freshness."""
    from roaming.peers import delivery

    stale_after = current_app.config["SYNC_INTERVAL_SECONDS"] * 3
    for queue in delivery.queue_status():
        peer = queue.peer
        flags = []
        if peer.breaker_open_until and peer.breaker_open_until > utcnow():
            flags.append(f"breaker open until {peer.breaker_open_until:%H:%M:%S}")
        if peer.unavailable_since:
            flags.append(f"unavailable since {peer.unavailable_since:%Y-%m-%d %H:%M}")
        if peer.last_synced_at is None or (utcnow() - peer.last_synced_at).total_seconds() > stale_after:
            flags.append("catalogue copy stale")
        click.echo(
            f"{peer.name:<32} queued {queue.pending}, delivered {queue.delivered}, failed {queue.failed}, "
            f"failures in a row {peer.consecutive_failures}" + (f"  [{'; '.join(flags)}]" if flags else "")
        )
        if peer.last_delivery_error:
            click.echo(f"    last error: {peer.last_delivery_error}")


@peers_group.command("remove")
@instance_option
@click.argument("node")
@with_appcontext
def remove_command(node):
    """Forget a peer (by node id, base URL or name) and our copy of its catalogue."""
    from roaming.errors import DomainError
    from roaming.peers import operations as ops

    try:
        peer = ops.get_peer(node)
        name = peer.name
        ops.remove_peer(peer)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Removed {name}.")


@click.command("sync")
@instance_option
@click.option("--peer", "node", help="Only this peer (node id, base URL or name).")
@with_appcontext
def sync_command(node):
    """Pull partners' catalogue changes now."""
    from federation.client import DeliveryError
    from roaming.errors import DomainError
    from roaming.peers import operations as ops

    try:
        peers = [ops.get_peer(node)] if node else [p for p in ops.list_peers() if p.status.value == "active"]
    except DomainError as error:
        raise click.ClickException(error.message) from None
    failures = 0
    for peer in peers:
        with click.progressbar(length=0, label=f"{peer.name}", show_pos=True) as bar:
            try:
                count = ops.pull_catalogue(peer, progress=bar.update)
            except (DeliveryError, DomainError) as error:
                failures += 1
                click.echo(f"\n  {peer.name}: {error}", err=True)
                continue
        click.echo(f"  {peer.name}: {count} change(s), now at {peer.sync_cursor}.")
    if failures:
        raise click.ClickException(f"{failures} of {len(peers)} peer(s) could not be synced.")
