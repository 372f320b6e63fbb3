"""``roaming db``: migrations, and copying a node's database to another engine."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from roaming import migrate
from roaming.cli import instance_option, with_appcontext
from roaming.database_copy import CopyRefused, copy_database, count_rows
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


@db_group.command("copy")
@instance_option
@click.option(
    "--to",
    "target_url",
    required=True,
    envvar="ROAMING_COPY_TARGET",
    help="SQLAlchemy URL of a new, empty database, e.g. postgresql+psycopg://roaming@db/roaming "
    "(or env ROAMING_COPY_TARGET, which keeps the password out of the process list).",
)
@with_appcontext
def copy_command(target_url):
    """Copy this node's database into a new, empty one (e.g. SQLite to PostgreSQL).

    Stop the node and its workers first: what changes during the copy is not copied. The node's
    own database is only read."""
    source = engine_for(current_app)
    target_shown = make_url(target_url).render_as_string(hide_password=True)
    try:
        with click.progressbar(length=count_rows(source), label=f"Copying to {target_shown}") as bar:
            copied = copy_database(current_app, source, target_url, progress=lambda _table, rows: bar.update(rows))
    except CopyRefused as refused:
        raise click.ClickException(str(refused)) from None
    except SQLAlchemyError as error:
        raise click.ClickException(f"The copy failed and was rolled back: {getattr(error, 'orig', error)}") from None
    click.echo(f"Copied {sum(table.rows for table in copied)} rows in {len(copied)} tables; the counts match.")
    click.echo(f"Now set database_url to {target_shown} (ROAMING_DATABASE_URL or ROAMING_DATABASE_URL_FILE for")
    click.echo("the password), run 'roaming check', and start the node and its workers again.")


@db_group.command("revision")
@instance_option
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def revision_command(message):
    """(Developers) write a migration from the difference between models and database."""
    migrate.autogenerate_revision(engine_for(current_app), message)
