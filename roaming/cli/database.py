"""``roaming db``: migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from roaming import migrate
from roaming.cli import instance_option
from roaming.db import engine_for
from roaming.plugins import PluginError


@click.group("db", help="Database migrations.")
def db_group():
    pass


@db_group.command("upgrade")
@instance_option
@with_appcontext
def upgrade_command():
    """Bring the database to the latest migration: the core's, then each enabled plugin's."""
    for name, before, after in migrate.upgrade_all(current_app, engine_for(current_app)):
        click.echo(f"{name}: at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_group.command("downgrade")
@instance_option
@click.argument("revision")
@click.option("--plugin", default=migrate.CORE, show_default=True, help="Whose migration history.")
@with_appcontext
def downgrade_command(revision, plugin):
    """Take a history back to REVISION ('base' drops a plugin's tables; the data is lost)."""
    try:
        history = migrate.history_named(current_app, plugin)
    except PluginError as error:
        raise click.ClickException(str(error)) from None
    migrate.downgrade(engine_for(current_app), revision, history)
    click.echo(f"{plugin}: at {migrate.current_revision(engine_for(current_app), history) or 'base'}")


@db_group.command("status")
@instance_option
@with_appcontext
def status_command():
    """Show each history's migration (the core's and each enabled plugin's) and the code's latest."""
    engine = engine_for(current_app)
    for history in migrate.histories(current_app):
        current, head = migrate.current_revision(engine, history), migrate.head_revision(history)
        click.echo(f"{history.name}: database {current or 'empty'}, code {head}")
    if migrate.behind(current_app, engine):
        click.echo("Run 'roaming db upgrade'.")


@db_group.command("revision")
@instance_option
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def revision_command(message):
    """(Developers) write a migration from the difference between models and database."""
    migrate.autogenerate_revision(engine_for(current_app), message)


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
