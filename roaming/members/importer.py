"""Importing member companies and their people, from JSON or CSV. All or nothing, idempotent.

JSON: ``[{"name", "country", "sector", "website", "people": [{"name", "email", "role",
"language"}]}]`` (or ``{"companies": [...]}``). CSV: one row per person with the columns
``company, country, sector, website, person_name, person_email, person_role, person_language``
(``name``, ``email``, ``role`` and ``language`` are accepted for the person's columns, and the
German and French names of every column, such as ``Firma;Land;Name;E-Mail`` or
``Entreprise;Pays;Nom;E-mail``; headers are compared without case); rows naming the same
company add people to it; a row without a person's columns names only the company.

Stable keys: a company is known by its name and country, a person by their e-mail address. A
company or person the node holds under that key is updated (only with what the file gives: a
missing column or empty cell leaves the value as it is; a person named under another company
moves there), else added. Companies and people named by an earlier import that the file no
longer has are reported, and removed only when asked (``remove_missing``; a company takes its
people and their logins with it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import select

from roaming.catalogue.changes import hold_catalogue
from roaming.db import session
from roaming.importing import Outcome, Problems, all_or_nothing, read_csv, read_json, unknown_keys
from roaming.members import operations as ops
from roaming.members.models import MemberCompany, Person
from roaming.members.schemas import CompanySchema, PersonSchema

COMPANY_FIELDS = ("name", "country", "sector", "website", "status")
PERSON_FIELDS = ("name", "email", "role", "language")
CSV_COLUMNS = {
    "company": "company.name",
    "country": "company.country",
    "sector": "company.sector",
    "website": "company.website",
    "person_name": "person.name",
    "person_email": "person.email",
    "person_role": "person.role",
    "person_language": "person.language",
    "name": "person.name",
    "email": "person.email",
    "role": "person.role",
    "language": "person.language",
    # the same columns as German and French spreadsheets name them
    "firma": "company.name",
    "unternehmen": "company.name",
    "land": "company.country",
    "branche": "company.sector",
    "webseite": "company.website",
    "e-mail": "person.email",
    "rolle": "person.role",
    "sprache": "person.language",
    "entreprise": "company.name",
    "pays": "company.country",
    "secteur": "company.sector",
    "site web": "company.website",
    "nom": "person.name",
    "courriel": "person.email",
    "rôle": "person.role",
    "fonction": "person.role",
    "langue": "person.language",
}


@dataclass
class _Company:
    """A company of the file with its people: ``where`` it is, its raw fields and the file's
    names for them, and ``(where, raw, names)`` per person."""

    where: str
    raw: dict
    names: dict[str, str] = field(default_factory=dict)
    people: list[tuple[str, dict, dict[str, str]]] = field(default_factory=list)


def import_members_file(path: Path, progress=None, *, dry_run: bool = False, remove_missing: bool = False) -> Outcome:
    """Import a members file (all or nothing); returns what was added, changed and missing."""
    if path.suffix.lower() not in (".json", ".csv"):
        raise ValueError(f"{path.name}: import files end in .json or .csv.")
    outcome = Outcome(dry_run=dry_run, removed_missing=remove_missing)
    with all_or_nothing(outcome) as problems:
        if path.suffix.lower() == ".json":
            entries = _companies_from_json(read_json(path), problems)
        else:
            entries = _companies_from_csv(path, problems)
        _import(entries, outcome, problems, progress)
    return outcome


def import_companies(companies: list[dict], progress=None) -> Outcome:
    """Import companies with their people given as JSON values (the demo's data). All or nothing."""
    outcome = Outcome()
    with all_or_nothing(outcome) as problems:
        _import(_companies_from_json(companies, problems), outcome, problems, progress)
    return outcome


def _companies_from_json(document, problems: Problems) -> list[_Company]:
    if isinstance(document, dict):
        for key in unknown_keys(document, ["companies"]):
            problems.add("document", f"unknown key '{key}'; a members file has companies")
        document = document.get("companies", [])
    if not isinstance(document, list):
        problems.add("document", 'a list of companies (or {"companies": [...]}) is expected')
        return []
    entries = []
    for index, raw in enumerate(document):
        where = f"companies[{index}]"
        if not isinstance(raw, dict):
            problems.add(where, "a JSON object is expected")
            continue
        raw = dict(raw)
        people = raw.pop("people", [])
        entry = _Company(where, raw)
        if not isinstance(people, list):
            problems.add(where, "people: a list is expected")
            people = []
        for person_index, person in enumerate(people):
            person_where = f"{where}.people[{person_index}]"
            if isinstance(person, dict):
                entry.people.append((person_where, person, {}))
            else:
                problems.add(person_where, "a JSON object is expected")
        entries.append(entry)
    return entries


def _companies_from_csv(path: Path, problems: Problems) -> list[_Company]:
    """Group person rows by company (name and country, as written, without case)."""
    rows = read_csv(path, CSV_COLUMNS, problems, required=("company.name", "company.country"))
    columns = rows[0].names if rows else {}
    if any(name.startswith("person.") for name in columns):
        missing = [column for column in ("person_name", "person_email") if CSV_COLUMNS[column] not in columns]
        for column in missing:
            problems.add("line 1", f"the column '{column}' is missing (a person needs a name and an e-mail address)")
        if missing:
            return []
    companies: dict[tuple, _Company] = {}
    for row in rows:
        company, company_names = _part(row.record, "company"), _part(row.names, "company")
        person, person_names = _part(row.record, "person"), _part(row.names, "person")
        key = (company.get("name", "").casefold(), company.get("country", "").casefold())
        entry = companies.get(key)
        if entry is None:
            entry = companies[key] = _Company(row.where, company, company_names)
        else:
            for name, value in company.items():
                if entry.raw.get(name, value) != value:
                    problems.add(
                        row.where, f"{company_names[name]}: '{value}' differs from '{entry.raw[name]}' on {entry.where}"
                    )
        if person:
            entry.people.append((row.where, person, person_names))
    return list(companies.values())


def _part(values: dict, prefix: str) -> dict:
    """The ``prefix.``-named entries of a CSV row's ``values``, without the prefix."""
    return {name.split(".")[1]: value for name, value in values.items() if name.startswith(f"{prefix}.")}


def _import(entries: list[_Company], outcome: Outcome, problems: Problems, progress) -> None:
    # Imports match by key, then add: two at once must not both add the same company. They are
    # serialised on the catalogue's change counter (as catalogue imports are), until commit.
    hold_catalogue(session)
    seen_companies: dict[tuple, str] = {}
    seen_people: dict[str, str] = {}
    kept_companies: set[int] = set()
    kept_people: set[int] = set()
    for entry in entries:
        company = _company(entry, outcome, problems, seen_companies)
        if company is not None:
            kept_companies.add(company.id)
        for where, raw, names in entry.people:
            person = _person(company, where, raw, names, outcome, problems, seen_people)
            if person is not None:
                kept_people.add(person.id)
            _tick(progress)
        if not entry.people:
            _tick(progress)
    _missing(kept_companies, kept_people, outcome, problems)


def _company(entry: _Company, outcome, problems, seen) -> MemberCompany | None:
    for key in unknown_keys(entry.raw, COMPANY_FIELDS):
        problems.add(entry.where, f"{key}: Unknown field.")
    raw = {key: value for key, value in entry.raw.items() if key in COMPANY_FIELDS}
    try:
        data = CompanySchema().load(raw)
    except ValidationError as error:
        problems.add(entry.where, error, entry.names)
        return None
    data = {key: value for key, value in data.items() if key in raw}
    company_key = (data["name"], data["country"])
    if company_key in seen:
        problems.add(entry.where, f"the company {data['name']} ({data['country']}) is also on {seen[company_key]}")
        return None
    seen[company_key] = entry.where
    company = session.scalars(
        select(MemberCompany)
        .where(MemberCompany.name == data["name"], MemberCompany.country == data["country"])
        .order_by(MemberCompany.id)
    ).first()
    label = f"{data['name']} ({data['country']})"
    if company is None:
        company = ops.create_company({**data, "imported": True})
        outcome.add("company", label)
        return company
    _update(company, data, "company", label, outcome)
    return company


def _person(company, where, raw, names, outcome, problems, seen) -> Person | None:
    for key in unknown_keys(raw, PERSON_FIELDS):
        problems.add(where, f"{key}: Unknown field.")
    raw = {key: value for key, value in raw.items() if key in PERSON_FIELDS}
    try:
        data = PersonSchema().load(raw)
    except ValidationError as error:
        problems.add(where, error, names)
        return None
    email = data["email"]
    if email in seen:
        problems.add(where, f"{names.get('email', 'email')}: {email} is also on {seen[email]}")
        return None
    seen[email] = where
    if company is None:
        return None
    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = ops.add_person(company, {**data, "imported": True})
        outcome.add("person", email)
        return person
    _update(person, {**data, "company": company}, "person", email, outcome)  # a person named elsewhere moves
    return person


def _update(row, data: dict, kind: str, label: str, outcome: Outcome) -> None:
    """Give ``row`` (found by its key) the file's ``data``: counted as changed when anything
    differs, else as unchanged; it is marked as the import's either way."""
    if any(getattr(row, name) != value for name, value in data.items()):
        outcome.change(kind, label)
        for name, value in data.items():
            setattr(row, name, value)
    else:
        outcome.keep(kind)
    row.imported = True
    session.flush()


def _missing(kept_companies: set[int], kept_people: set[int], outcome: Outcome, problems: Problems) -> None:
    """Report (with ``removed_missing``: remove) the imported companies and people the file did
    not name. A missing company's people go with it and are reported with it."""
    companies = session.scalars(
        select(MemberCompany)
        .where(MemberCompany.imported.is_(True), MemberCompany.id.not_in(kept_companies))
        .order_by(MemberCompany.id)
    ).all()
    going = {company.id for company in companies}
    people = session.scalars(
        select(Person)
        .where(Person.imported.is_(True), Person.id.not_in(kept_people), Person.company_id.not_in(going))
        .order_by(Person.id)
    ).all()
    for person in people:
        outcome.miss("person", person.email)
    for company in companies:
        outcome.miss("company", f"{company.name} ({company.country})")
    if outcome.removed_missing and not problems.items:
        for person in people:
            ops.delete_person(person)
        for company in companies:
            ops.delete_company(company)


def _tick(progress) -> None:
    if progress is not None:
        progress.update(1)
