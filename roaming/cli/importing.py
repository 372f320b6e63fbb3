"""``roaming import``: catalogue and members from JSON or CSV, all or nothing, idempotent.

Both commands take the options of ``IMPORT_OPTIONS`` (a command adds its own below them) and
hand every option on to their importer as keyword arguments.
"""

from __future__ import annotations

from pathlib import Path

import click

from roaming.catalogue.importer import import_catalogue_file
from roaming.cli import instance_option, with_appcontext
from roaming.importing import ImportRejected, Outcome
from roaming.members.importer import import_members_file
from roaming.members.onboarding import invite_people_without_account

KINDS = ["location", "desk", "room", "service", "event", "news"]
SIGNS = {"added": "+", "changed": "~", "missing": "-"}  # missing: "-" when removed, "=" when kept

IMPORT_OPTIONS = (
    instance_option,
    click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
    click.option(
        "--dry-run",
        is_flag=True,
        help="Check the file and show what would be added, changed and removed; change nothing.",
    ),
    click.option(
        "--remove-missing",
        is_flag=True,
        help="Remove what an earlier import added and the file no longer has (without it, that is only listed).",
    ),
)


def import_options(command):
    for option in reversed(IMPORT_OPTIONS):
        command = option(command)
    return command


@click.group("import", help="Import a catalogue or members from JSON or CSV.")
def import_group():
    pass


def _run(importer, path: Path, **options) -> None:
    try:
        with click.progressbar(length=_rough_size(path), label=f"Reading {path.name}", file=None) as bar:
            outcome = importer(path, progress=bar, **options)
    except ImportRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"{len(rejected.problems)} problem(s) in {path.name}; nothing was imported. "
            "Correct the file and import it again."
        ) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    _report(outcome)


def _report(outcome: Outcome) -> None:
    if outcome.dry_run:
        for status in ("added", "changed", "missing"):
            sign = "=" if status == "missing" and not outcome.removed_missing else SIGNS[status]
            for kind, label in getattr(outcome, status):
                click.echo(f"  {sign} {kind} {label}")
    counts = outcome.counts()
    verb = {"added": "added", "changed": "changed", "unchanged": "unchanged", "missing": "not in the file"}
    if outcome.dry_run:
        verb |= {"added": "to add", "changed": "to change"}
    if outcome.removed_missing:
        verb["missing"] = "to remove" if outcome.dry_run else "removed"
    for kind, row in counts.items():
        parts = [f"{row[status]} {verb[status]}" for status in verb if row.get(status)]
        click.echo(f"{kind}: {', '.join(parts)}")
    if not counts:
        click.echo("The file holds nothing to import.")
    if outcome.missing and not outcome.removed_missing:
        kept = "would be kept" if outcome.dry_run else "were kept"
        click.echo(
            f"{len(outcome.missing)} item(s) from an earlier import are not in the file and {kept} "
            "(--remove-missing removes them)."
        )
    if outcome.dry_run:
        click.echo("Dry run: nothing was changed.")


def _rough_size(path: Path) -> int:
    """Lines in the file: a fair upper bound on records for the progress bar."""
    with path.open("rb") as handle:
        return max(1, sum(1 for _ in handle))


@import_group.command("catalogue")
@import_options
@click.option("--kind", type=click.Choice(KINDS), help="For a CSV file: the kind of item in it.")
@with_appcontext
def import_catalogue_command(path, **options):
    """Import catalogue items from a JSON document or a CSV file of one kind.

    Items are matched by their key (a `key` column or field, else the natural key: a location's
    name, a service's kind and name...) and updated; new ones are added."""
    _run(import_catalogue_file, path, **options)


@import_group.command("members")
@import_options
@click.option("--invite", is_flag=True, help="Then e-mail each person without a log-in a link to set a password.")
@with_appcontext
def import_members_command(path, invite, **options):
    """Import member companies and their people from JSON or CSV.

    Companies are matched by name and country, people by e-mail address, and updated; new ones
    are added."""
    _run(import_members_file, path, **options)
    if invite and options["dry_run"]:
        click.echo("Dry run: nobody was invited.")
    elif invite:
        click.echo(f"Invited {len(invite_people_without_account())} people to set a password.")
