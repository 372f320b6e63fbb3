"""``roaming makerspace``: manage the equipment from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from roaming.cli import instance_option
from roaming.errors import DomainError
from roaming_makerspace import operations


@click.group("makerspace", help="Makerspace equipment that visitors book by the hour.")
def makerspace_group():
    pass


@makerspace_group.command("add")
@instance_option
@click.argument("name")
@click.option("--description", default="", help="What it is and what it can do.")
@with_appcontext
def add_command(name, description):
    """Add equipment (the first also publishes the makerspace service)."""
    try:
        machine = operations.add_equipment(
            operations.EquipmentSchema().load({"name": name, "description": description})
        )
    except ValidationError as invalid:
        raise click.ClickException(str(invalid.messages)) from None
    except DomainError as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"Added {machine.name} ({machine.uid}).")


@makerspace_group.command("list")
@instance_option
@with_appcontext
def list_command():
    """The equipment, with its uid and state."""
    for machine in operations.equipment():
        click.echo(f"{machine.uid}  {machine.name}  [{'in service' if machine.in_service else 'out of service'}]")
