"""``roaming db``: migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from roaming import migrate
from roaming.cli import instance_option
from roaming.db import engine_for


@click.group("db", help="Database migrations.")
def db_group():
    pass


@db_group.command("upgrade")
@instance_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def upgrade_command(revision):
    """Bring the database to the latest (or given) migration."""
    engine = engine_for(current_app)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current_revision(engine)
    click.echo(f"Database at {after}" + ("" if before == after else f" (was {before or 'empty'})."))


@db_group.command("status")
@instance_option
@with_appcontext
def status_command():
    """Show the database's migration and the code's latest."""
    current, head = migrate.current_revision(engine_for(current_app)), migrate.head_revision()
    click.echo(f"database: {current or 'empty'}\ncode:     {head}")
    if current != head:
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
