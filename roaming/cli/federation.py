"""``roaming coordinator`` (admitting clusters) and ``roaming registry`` (a member's copy)."""

from __future__ import annotations

import click

from roaming.cli import instance_option, with_appcontext
from roaming.coordinator import operations as coordinator
from roaming.coordinator.models import MembershipStatus
from roaming.db import session
from roaming.errors import DomainError
from roaming.identity.operations import node_id
from roaming.peers import registry


def _domain(call, *args):
    try:
        return call(*args)
    except DomainError as error:
        raise click.ClickException(error.message) from None


@click.group("coordinator", help="Admit clusters to the federation (on the coordinator node).")
def coordinator_group():
    pass


@coordinator_group.command("list")
@instance_option
@with_appcontext
def list_command():
    """Applications and memberships."""
    _domain(coordinator.require_coordinator)
    for membership in coordinator.list_memberships():
        click.echo(f"{membership.name:<32} {membership.status.value:<11} {membership.base_url}  {membership.node_id}")


@coordinator_group.command("add")
@instance_option
@click.argument("url")
@click.option("--fingerprint", required=True, help="The applicant's key fingerprint, from its admin.")
@click.option("--note", default="", help="Why, who asked, what was checked.")
@with_appcontext
def add_command(url, fingerprint, note):
    """Record a cluster's application."""
    membership = _domain(coordinator.add_application, url, fingerprint, note)
    click.echo(f"{membership.name} applied; admit with: roaming coordinator admit {membership.node_id}")


def _status_command(name: str, status: MembershipStatus, help_text: str):
    @coordinator_group.command(name, help=help_text)
    @instance_option
    @click.argument("node")
    @with_appcontext
    def command(node):
        _domain(coordinator.require_coordinator)
        membership = _domain(coordinator.change_status, _domain(coordinator.get_membership, node), status)
        click.echo(f"{membership.name} is now {membership.status.value}.")
        if registry.configured():
            _domain(registry.refresh)

    return command


_status_command("review", MembershipStatus.REVIEW, "Mark an application as under review.")
_status_command("admit", MembershipStatus.ADMITTED, "Admit a cluster (or reinstate a suspended one).")
_status_command("suspend", MembershipStatus.SUSPENDED, "Suspend a member: others refuse it at their next refresh.")
_status_command("remove", MembershipStatus.REMOVED, "Remove a member for good.")


@click.group("registry", help="This node's copy of the federation registry.")
def registry_group():
    pass


@registry_group.command("refresh")
@instance_option
@with_appcontext
def refresh_command():
    """Fetch, verify and apply the registry now."""
    if not registry.configured():
        raise click.ClickException("No coordinator configured: set coordinator_url and coordinator_key.")
    payload = _domain(registry.refresh)
    click.echo(f"Registry version {payload['version']} with {len(payload['nodes'])} node(s) accepted.")


@registry_group.command("show")
@instance_option
@with_appcontext
def show_command():
    """The held registry: version, expiry, its members, last error."""
    held = registry.copy()
    session.commit()
    if not held.token:
        click.echo("No registry held yet.")
    else:
        click.echo(
            f"version {held.version}, accepted {held.accepted_at:%Y-%m-%d %H:%M}, "
            f"expires {held.expires_at:%Y-%m-%d %H:%M} UTC"
        )
        nodes = registry.held_nodes()
        me = node_id()
        click.echo(f"{len(nodes)} member(s):")
        for node in nodes:
            this = "  (this node)" if node["node_id"] == me else ""
            country = node.get("country") or "--"
            click.echo(f"  {node['name']:<32} {country:<3} {node['status']:<10} {node['base_url']}{this}")
    reason = registry.unusable_reason()
    if reason:
        click.echo(f"Not usable: {reason}")
    if held.last_error:
        click.echo(f"Last refresh failed: {held.last_error}")
