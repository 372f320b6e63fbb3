"""Members import from JSON and CSV: all or nothing, matched by name and country / e-mail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from roaming.db import session
from roaming.importing import ImportRejected
from roaming.members.importer import import_members_file
from roaming.members.models import MemberCompany, Person

pytestmark = pytest.mark.each_database

MEMBERS = (
    "company,country,sector,website,person_name,person_email,person_role\n"
    "Quantix,FR,Digital industries,,Hugo Bernard,hugo@quantix.example,Sales\n"
    "Quantix,FR,Digital industries,,Léa Dubois,lea@quantix.example,Research\n"
    "Lutèce,FR,,https://lutece.example,Camille Martin,camille@lutece.example,CEO\n"
)


def _count(model):
    return session.scalar(select(func.count()).select_from(model))


def test_csv_groups_people_by_company(tmp_path, within):
    path = tmp_path / "members.csv"
    path.write_text(MEMBERS)
    assert within(import_members_file, path).counts() == {"company": {"added": 2}, "person": {"added": 3}}


def test_a_second_import_updates_moves_and_reports_who_is_missing(tmp_path, within):
    path = tmp_path / "members.csv"
    path.write_text(MEMBERS)
    within(import_members_file, path)
    path.write_text(
        "company,country,person_name,person_email,person_role\n"
        "Quantix,FR,Hugo Bernard,HUGO@quantix.example,Head of sales\n"
        "Lutèce,FR,Léa Dubois,lea@quantix.example,Research\n"
    )
    dry = within(import_members_file, path, dry_run=True, remove_missing=True)
    assert dry.changed == [("person", "hugo@quantix.example"), ("person", "lea@quantix.example")]
    assert dry.missing == [("person", "camille@lutece.example")]
    assert within(lambda: session.scalar(select(Person.role).where(Person.email == "hugo@quantix.example"))) == "Sales"

    outcome = within(import_members_file, path)
    assert outcome.missing == [("person", "camille@lutece.example")] and within(_count, Person) == 3
    lea = within(lambda: session.scalar(select(Person).where(Person.email == "lea@quantix.example")).company.name)
    assert lea == "Lutèce"
    sector = within(lambda: session.scalar(select(MemberCompany.sector).where(MemberCompany.name == "Quantix")))
    assert sector == "Digital industries"  # a column the file does not have is left as it is

    within(import_members_file, path, remove_missing=True)
    assert within(_count, Person) == 2 and within(_count, MemberCompany) == 2


def test_json_with_errors_imports_nothing_and_names_every_problem(tmp_path, within):
    path = tmp_path / "members.json"
    path.write_text(
        json.dumps(
            {
                "companies": [
                    {"name": "Good", "country": "DE", "people": [{"name": "A", "email": "a@good.example"}]},
                    {"name": "Bad", "country": "ZZ", "people": [{"name": "B", "email": "b@bad", "shoe": 42}]},
                    {"name": "Dup", "country": "DE", "people": [{"name": "C", "email": "A@good.example"}]},
                ],
                "extra": True,
            }
        )
    )
    with pytest.raises(ImportRejected) as rejected:
        within(import_members_file, path)
    assert rejected.value.problems == [
        "document: unknown key 'extra'; a members file has companies",
        "companies[1]: country: 'ZZ' is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, IE).",
        "companies[1].people[0]: shoe: Unknown field.",
        "companies[1].people[0]: email: Not a valid email address.",
        "companies[2].people[0]: email: a@good.example is also on companies[0].people[0]",
    ]
    assert within(_count, MemberCompany) == within(_count, Person) == 0


def test_csv_problems_name_the_line_and_the_column(tmp_path, within):
    path = tmp_path / "members.csv"
    path.write_text(
        "Company;Country;Name;Mail\n"
        "Müller;DE;Jürgen;juergen@example.org\n"
        "Müller;AT;Anna;anna(at)example.org\n"
        "Weiß;DE;;jurgen@example.org\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        within(import_members_file, path)
    assert rejected.value.problems == [
        "line 1: unknown column(s) 'Mail' (cells separated by semicolons); expected columns: company, country, "
        "sector, website, person_name, person_email, person_role, person_language",
        "line 1: the column 'person_email' is missing (a person needs a name and an e-mail address)",
    ]
    path.write_text(path.read_text().replace("Mail", "E-Mail"))  # as a German spreadsheet names it
    with pytest.raises(ImportRejected) as rejected:
        within(import_members_file, path)
    assert rejected.value.problems == [
        "line 3: E-Mail: Not a valid email address.",
        "line 4: Name: Missing data for required field.",
    ]


def test_conflicting_company_cells_are_named(tmp_path, within):
    path = tmp_path / "members.csv"
    path.write_text("company,country,sector\nQuantix,FR,Digital industries\nQuantix,FR,Mobility\n")
    with pytest.raises(ImportRejected) as rejected:
        within(import_members_file, path)
    assert rejected.value.problems == ["line 3: sector: 'Mobility' differs from 'Digital industries' on line 2"]


def test_two_imports_of_the_same_file_at_once_add_each_company_once(tmp_path, app):
    from tests.support.races import at_once

    path = tmp_path / "members.csv"
    path.write_text(MEMBERS)

    def run():
        with app.app_context():
            outcome = import_members_file(path)
            session.commit()
            return outcome.counts()

    first, second = at_once(run, run)
    assert {"added": 2} in (first["company"], second["company"])
    with app.app_context():
        assert _count(MemberCompany) == 2 and _count(Person) == 3
