"""Member companies and people: creation, changes, and who may see what."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import func, select

from roaming.db import session
from roaming.errors import NotFound
from roaming.members.models import MemberCompany, Person
from roaming.members.schemas import CompanySchema, PersonSchema
from roaming.schemas import merged_and_validated


def list_companies(*, only_id: int | None = None, offset: int = 0, limit: int | None = None):
    """``(companies, total)``; ``only_id`` narrows the list to one company (a member's own)."""
    query = select(MemberCompany)
    if only_id is not None:
        query = query.where(MemberCompany.id == only_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    return session.scalars(query.order_by(MemberCompany.name).offset(offset).limit(limit)).all(), total


def get_company(company_id: int) -> MemberCompany:
    company = session.get(MemberCompany, company_id)
    if company is None:
        raise NotFound(f"No member company with id {company_id}.")
    return company


def create_company(data: dict) -> MemberCompany:
    company = MemberCompany(**data)
    session.add(company)
    session.flush()
    return company


def update_company(company: MemberCompany, patch: dict) -> MemberCompany:
    for key, value in merged_and_validated(CompanySchema, company, patch).items():
        setattr(company, key, value)
    session.flush()
    return company


def delete_company(company: MemberCompany) -> None:
    """Delete a company with its people (and their logins)."""
    session.delete(company)
    session.flush()


def get_person(person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person with id {person_id}.")
    return person


def add_person(company: MemberCompany, data: dict) -> Person:
    _refuse_taken_email(data["email"])
    person = Person(company=company, **data)
    session.add(person)
    session.flush()
    return person


def update_person(person: Person, patch: dict) -> Person:
    data = merged_and_validated(PersonSchema, person, patch)
    if data["email"] != person.email:
        _refuse_taken_email(data["email"])
    for key, value in data.items():
        setattr(person, key, value)
    session.flush()
    return person


def delete_person(person: Person) -> None:
    session.delete(person)
    session.flush()


def find_person_by_email(address: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == address.strip().lower()))


def _refuse_taken_email(address: str) -> None:
    if find_person_by_email(address) is not None:
        raise ValidationError(f"{address} is already registered for a person.", "email")
