"""``roaming import`` as an admin runs it: files a spreadsheet writes, imported twice, dry runs,
every problem at once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from roaming.catalogue.models import Desk, Location, Service
from roaming.cli import cli
from roaming.db import session
from roaming.members.models import MemberCompany, Person

pytestmark = pytest.mark.one_database(reason="command parsing and output; the importers are tested on both databases")

GERMAN_MEMBERS = (
    "Company;Country;Name;Email\r\n"
    "Müller Präzision GmbH;DE;Jürgen Weiß;juergen@mueller.example\r\n"
    "Müller Präzision GmbH;DE;Anna Groß;anna@mueller.example\r\n"
    "Öko-Logistik AG;AT;Zoë Brünn;zoe@oeko.example\r\n"
)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(cli, list(args))

    return invoke


@pytest.fixture
def count(app):
    def count(model):
        with app.app_context():
            return session.scalar(select(func.count()).select_from(model))

    return count


def test_a_german_spreadsheet_csv_with_bom_and_crlf_imports(run, count, tmp_path):
    path = tmp_path / "mitglieder.csv"
    path.write_bytes("\ufeff".encode() + GERMAN_MEMBERS.encode("utf-8"))
    result = run("import", "members", str(path))
    assert result.exit_code == 0, result.output
    assert "company: 2 added" in result.output and "person: 3 added" in result.output
    assert count(MemberCompany) == 2 and count(Person) == 3


def test_importing_the_same_members_twice_updates_instead_of_duplicating(run, app, count, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(GERMAN_MEMBERS, encoding="utf-8")
    assert run("import", "members", str(path)).exit_code == 0
    path.write_text(GERMAN_MEMBERS.replace("Anna Groß", "Anna Groß-Lehmann"), encoding="utf-8")
    again = run("import", "members", str(path))
    assert again.exit_code == 0, again.output
    assert "person: 1 changed, 2 unchanged" in again.output and "company: 2 unchanged" in again.output
    assert count(MemberCompany) == 2 and count(Person) == 3
    with app.app_context():
        assert session.scalar(select(Person.name).where(Person.email == "anna@mueller.example")) == "Anna Groß-Lehmann"


def _catalogue(desk_seats: int, with_event: bool = True) -> dict:
    return {
        "locations": [
            {
                "key": "hq",
                "name": "Hub",
                "address": "Penrose Wharf",
                "city": "Cork",
                "country": "IE",
                "timezone": "Europe/Dublin",
                "desks": [{"name": "Visitor desks", "seats": desk_seats}],
            }
        ],
        "services": [{"kind": "desk", "name": "Visitor desk", "location": "hq"}]
        + ([{"kind": "matchmaking", "name": "Introductions to members"}] if with_event else []),
    }


def test_importing_a_catalogue_twice_applies_changes_without_duplicates(run, app, count, tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(_catalogue(2)))
    first = run("import", "catalogue", str(path))
    assert first.exit_code == 0, first.output
    assert "location: 1 added" in first.output and "service: 2 added" in first.output
    path.write_text(json.dumps(_catalogue(4)))
    second = run("import", "catalogue", str(path))
    assert second.exit_code == 0, second.output
    assert "desk: 1 changed" in second.output and "service: 2 unchanged" in second.output
    assert count(Location) == count(Desk) == 1 and count(Service) == 2
    with app.app_context():
        assert session.scalar(select(Desk.seats)) == 4


def test_dry_run_shows_what_would_change_and_changes_nothing(run, app, count, tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(_catalogue(2)))
    assert run("import", "catalogue", str(path)).exit_code == 0
    path.write_text(json.dumps(_catalogue(5, with_event=False)))
    dry = run("import", "catalogue", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "  ~ desk Visitor desks" in dry.output
    assert "  = service matchmaking: Introductions to members" in dry.output
    assert "service: 1 unchanged, 1 not in the file" in dry.output
    assert "Dry run: nothing was changed." in dry.output
    with app.app_context():
        assert session.scalar(select(Desk.seats)) == 2
    assert count(Service) == 2

    dry_removal = run("import", "catalogue", str(path), "--dry-run", "--remove-missing")
    assert "service: 1 unchanged, 1 to remove" in dry_removal.output
    assert "  - service matchmaking: Introductions to members" in dry_removal.output
    assert count(Service) == 2

    kept = run("import", "catalogue", str(path))
    assert "1 item(s) from an earlier import are not in the file and were kept" in kept.output
    assert count(Service) == 2
    removed = run("import", "catalogue", str(path), "--remove-missing")
    assert removed.exit_code == 0 and "service: 1 unchanged, 1 removed" in removed.output
    assert count(Service) == 1


def test_every_problem_of_a_csv_file_in_one_run_with_its_columns(run, count, tmp_path, make_location):
    make_location(name="Hub")
    path = tmp_path / "desks.csv"
    path.write_text(
        "Name;Seats;Location;Colour\r\n"
        "Window;0;Hub;red\r\n"
        "Back;1;Atlantis;blue\r\n"
        ";two;Hub;green\r\n"
        "Window;1;Hub;red\r\n",
        encoding="utf-8",
    )
    result = run("import", "catalogue", str(path), "--kind", "desk")
    assert result.exit_code == 1
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[1:7] == [
        "line 1: unknown column(s) 'Colour' (cells separated by semicolons); expected columns: key, location, "
        "name, amenities, description, seats",
        "line 2: Seats: Must be greater than or equal to 1 and less than or equal to 1000.",
        "line 3: Location: no location named 'Atlantis' on this node",
        "line 4: Name: Missing data for required field.",
        "line 4: Seats: Not a valid integer.",
        "line 5: the key 'Window' is also that of line 2",
    ]
    assert "Error: 6 problem(s) in desks.csv; nothing was imported." in result.output
    assert count(Desk) == 0


def test_a_file_with_unknown_columns_is_refused_by_name(run, count, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("company,country,shoe_size\nX,DE,42\n")
    result = run("import", "members", str(path))
    assert result.exit_code == 1
    assert "line 1: unknown column(s) 'shoe_size' (cells separated by commas); expected columns: company," in (
        result.output
    )
    assert count(MemberCompany) == 0


def test_a_csv_that_is_not_utf8_says_how_to_save_it(run, tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes("company;country\nMüller;DE\n".encode("cp1252"))
    result = run("import", "members", str(path))
    assert result.exit_code == 1
    assert "line 2: not UTF-8 text; save the file as 'CSV UTF-8'" in result.output


def test_a_dry_run_invites_nobody(run, count, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(GERMAN_MEMBERS, encoding="utf-8")
    dry = run("import", "members", str(path), "--dry-run", "--invite")
    assert dry.exit_code == 0, dry.output
    assert "  + person anna@mueller.example" in dry.output and "person: 3 to add" in dry.output
    assert "Dry run: nobody was invited." in dry.output and "Invited" not in dry.output
    assert count(Person) == 0


def test_a_cell_too_long_to_read_is_a_problem_of_its_line_not_a_crash(run, count, tmp_path):
    path = tmp_path / "members.csv"
    huge = "x" * 200_000
    path.write_text(f"company,country,name,email\nQuantix,FR,Hugo,hugo@quantix.example\nBig,FR,{huge},b@b.example\n")
    result = run("import", "members", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "line 3: cannot be read (field larger than field limit" in result.output
    assert count(MemberCompany) == 0


def test_a_members_csv_with_german_column_names_imports(run, count, tmp_path):
    path = tmp_path / "mitglieder.csv"
    path.write_bytes(
        "\ufeffFirma;Land;Name;E-Mail;Sprache\r\nMüller GmbH;DE;Anna Groß;anna@mueller.example;de\r\n".encode()
    )
    result = run("import", "members", str(path))
    assert result.exit_code == 0, result.output
    assert count(MemberCompany) == 1 and count(Person) == 1
