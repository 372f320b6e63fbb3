"""Importing member companies and their people, from JSON or CSV. All or nothing.

JSON: ``[{"name", "country", "sector", "website", "people": [{"name", "email", "role"}]}]``
(or ``{"companies": [...]}``). CSV: one row per person with the columns ``company``,
``country``, ``sector``, ``website``, ``person_name``, ``person_email``, ``person_role``; rows
naming the same company add people to it. A company that already exists on the node (same name
and country) is reused.
"""

from __future__ import annotations

from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import select

from roaming.db import session
from roaming.importing import all_or_nothing, read_csv, read_json
from roaming.members.models import MemberCompany, Person
from roaming.members.schemas import CompanySchema, PersonSchema

CSV_COMPANY_COLUMNS = {"company": "name", "country": "country", "sector": "sector", "website": "website"}
CSV_PERSON_COLUMNS = {"person_name": "name", "person_email": "email", "person_role": "role"}


def import_members_file(path: Path, progress=None) -> dict[str, int]:
    if path.suffix.lower() == ".json":
        document = read_json(path)
        companies = document.get("companies", []) if isinstance(document, dict) else document
        return import_companies([(f"companies[{i}]", raw) for i, raw in enumerate(companies)], progress)
    if path.suffix.lower() == ".csv":
        return import_companies(_companies_from_csv(path), progress)
    raise ValueError(f"{path.name}: import files end in .json or .csv.")


def import_companies(entries: list[tuple[str, dict]], progress=None) -> dict[str, int]:
    """Add ``(where, company-with-people)`` entries; returns counts of companies and people added."""
    counts = {"companies": 0, "people": 0}
    seen_emails: set[str] = set()
    with all_or_nothing() as problems:
        for where, raw in entries:
            if not isinstance(raw, dict):
                problems.add(where, "a JSON object is expected")
                continue
            raw = dict(raw)
            people = raw.pop("people", [])
            company = _company(raw, where, problems, counts)
            for index, person_raw in enumerate(people):
                _person(company, person_raw, f"{where}.people[{index}]", problems, counts, seen_emails)
            if progress is not None:
                progress.update(1)
    return counts


def _company(raw, where, problems, counts) -> MemberCompany | None:
    try:
        data = CompanySchema().load(raw)
    except ValidationError as error:
        problems.add(where, error)
        return None
    existing = session.scalar(
        select(MemberCompany).where(MemberCompany.name == data["name"], MemberCompany.country == data["country"])
    )
    if existing is not None:
        return existing
    company = MemberCompany(**data)
    session.add(company)
    counts["companies"] += 1
    return company


def _person(company, raw, where, problems, counts, seen_emails) -> None:
    try:
        data = PersonSchema().load(raw)
    except ValidationError as error:
        problems.add(where, error)
        return
    if company is None:
        return
    taken = data["email"] in seen_emails or session.scalar(select(Person.id).where(Person.email == data["email"]))
    if taken:
        problems.add(where, f"email: {data['email']} is already registered for a person")
        return
    seen_emails.add(data["email"])
    session.add(Person(company=company, **data))
    counts["people"] += 1


def _companies_from_csv(path: Path) -> list[tuple[str, dict]]:
    """Group person rows by company. Unknown columns pass through to the company, where the
    schema refuses them by name."""
    companies: dict[tuple, tuple[str, dict]] = {}
    for where, record in read_csv(path):
        company = {CSV_COMPANY_COLUMNS.get(k, k): v for k, v in record.items() if k not in CSV_PERSON_COLUMNS}
        person = {CSV_PERSON_COLUMNS[k]: v for k, v in record.items() if k in CSV_PERSON_COLUMNS}
        key = (company.get("name"), company.get("country"))
        _, entry = companies.setdefault(key, (where, {**company, "people": []}))
        if person:
            entry["people"].append(person)
    return list(companies.values())
