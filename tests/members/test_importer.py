"""Members import from JSON and CSV."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from roaming.db import session
from roaming.importing import ImportRejected
from roaming.members.importer import import_members_file
from roaming.members.models import MemberCompany, Person

pytestmark = pytest.mark.each_database


def _count(model):
    return session.scalar(select(func.count()).select_from(model))


def test_csv_groups_people_by_company(tmp_path, within):
    path = tmp_path / "members.csv"
    path.write_text(
        "company,country,sector,website,person_name,person_email,person_role\n"
        "Quantix,FR,Digital industries,,Hugo Bernard,hugo@quantix.example,Sales\n"
        "Quantix,FR,Digital industries,,Léa Dubois,lea@quantix.example,Research\n"
        "Lutèce,FR,,https://lutece.example,Camille Martin,camille@lutece.example,CEO\n"
    )
    assert within(import_members_file, path) == {"companies": 2, "people": 3}


def test_json_with_errors_imports_nothing(tmp_path, within):
    path = tmp_path / "members.json"
    path.write_text(
        json.dumps(
            [
                {"name": "Good", "country": "DE", "people": [{"name": "A", "email": "a@good.example"}]},
                {"name": "Bad", "country": "ZZ", "people": [{"name": "B", "email": "a@good.example"}]},
                {"name": "Dup", "country": "DE", "people": [{"name": "C", "email": "A@good.example"}]},
            ]
        )
    )
    with pytest.raises(ImportRejected) as rejected:
        within(import_members_file, path)
    assert rejected.value.problems == [
        "companies[1]: country: 'ZZ' is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, IE).",
        "companies[2].people[0]: email: a@good.example is already registered for a person",
    ]
    assert within(_count, MemberCompany) == within(_count, Person) == 0


def test_unknown_csv_column_is_named(tmp_path, within):
    path = tmp_path / "members.csv"
    path.write_text("company,country,shoe_size\nX,DE,42\n")
    with pytest.raises(ImportRejected) as rejected:
        within(import_members_file, path)
    assert rejected.value.problems == ["line 2: shoe_size: Unknown field."]
