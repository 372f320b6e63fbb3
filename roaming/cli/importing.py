"""``roaming import``: catalogue and members from JSON or CSV, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from roaming.catalogue.importer import import_catalogue_file
from roaming.cli import instance_option, with_appcontext
from roaming.importing import ImportRejected
from roaming.members.importer import import_members_file
from roaming.members.onboarding import invite_people_without_account

KINDS = ["location", "desk", "room", "service", "event"]


@click.group("import", help="Import a catalogue or members from JSON or CSV.")
def import_group():
    pass


def _run(label: str, importer, path: Path, **kwargs) -> None:
    try:
        with click.progressbar(length=_rough_size(path), label=f"Importing {path.name}", file=None) as bar:
            counts = importer(path, progress=bar, **kwargs)
    except ImportRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"{len(rejected.problems)} problem(s) in {path.name}; nothing was imported."
        ) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "nothing new"
    click.echo(f"Imported {label}: {summary}.")


def _rough_size(path: Path) -> int:
    """Lines in the file: a fair upper bound on records for the progress bar."""
    with path.open("rb") as handle:
        return max(1, sum(1 for _ in handle))


@import_group.command("catalogue")
@instance_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), help="For a CSV file: the kind of item in it.")
@with_appcontext
def import_catalogue_command(path, kind):
    """Import catalogue items from a JSON document or a CSV file of one kind."""
    _run("catalogue", import_catalogue_file, path, kind=kind)


@import_group.command("members")
@instance_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invite", is_flag=True, help="Then e-mail each person without a log-in a link to set a password.")
@with_appcontext
def import_members_command(path, invite):
    """Import member companies and their people from JSON or CSV."""
    _run("members", import_members_file, path)
    if invite:
        click.echo(f"Invited {len(invite_people_without_account())} people to set a password.")
