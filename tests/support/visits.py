"""Helpers for visit tests on real nodes: a home and a host that trust each other, members with
API tokens, desks, dates, and waiting for the worker to carry a change across."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from federation.attestation import sign_attestation
from federation.keys import NodeKey
from roaming.accounts.models import Role
from roaming.accounts.operations import create_user, issue_token
from roaming.catalogue.models import Desk, Event, Location
from roaming.catalogue.operations import create_item
from roaming.db import session
from roaming.identity.operations import node_id
from roaming.members.models import CompanyStatus, MemberCompany, Person
from roaming.peers.operations import get_peer
from roaming.peers.variations import set_variation
from roaming.visits.clock import complete_finished
from roaming.visits.hosting import check_in, hosted_visit
from roaming.visits.models import Visit, VisitRole, VisitState
from tests.support.nodes import running_node

DUBLIN = ZoneInfo("Europe/Dublin")  # the zone of add_desk's locations
ALL_WEEK = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@contextmanager
def home_and_host(folder, *, host_database=None, host_settings=None, home_settings=None):
    """CyberForum (home of the visitors) and it@cork (host), each pinning the other's key."""
    quick = {"visit_clock_seconds": 0.5}  # the host's clock (expiry, no-shows) runs at every tick
    with (
        running_node(folder, "CyberForum", "DE", **(home_settings or {})) as home,
        running_node(folder, "it@cork", "IE", database_url=host_database, **quick, **(host_settings or {})) as host,
    ):
        home.trust(host)
        host.trust(home)
        yield home, host


def node_id_of(node) -> str:
    with node.app_context():
        return node_id()


def add_member(node, email: str, *, company: str = "Datenwerk GmbH", status=CompanyStatus.ACTIVE, language=None):
    """A member person with a login; returns (bearer headers, company id)."""
    with node.app_context():
        row = session.query(MemberCompany).filter_by(name=company).one_or_none()
        if row is None:
            row = MemberCompany(name=company, country="DE", status=status)
            session.add(row)
            session.flush()
        person = Person(company_id=row.id, name=email.split("@")[0].title(), email=email, language=language)
        session.add(person)
        session.commit()
        user = create_user(email=email, name=person.name, role=Role.MEMBER, person_id=person.id)
        _, token = issue_token(user, "tests", 1)
        return {"Authorization": f"Bearer {token}"}, row.id


def add_members(node, count: int, *, company: str = "Crowd GmbH") -> list[dict]:
    """``count`` member people of one company, each with a login; returns their bearer headers."""
    with node.app_context():
        row = MemberCompany(name=company, country="DE")
        session.add(row)
        session.flush()
        people = [
            Person(company_id=row.id, name=f"Visitor {n}", email=f"visitor{n}@crowd.example") for n in range(count)
        ]
        session.add_all(people)
        session.commit()
        headers = []
        for person in people:
            user = create_user(email=person.email, name=person.name, role=Role.MEMBER, person_id=person.id)
            headers.append({"Authorization": f"Bearer {issue_token(user, 'tests', 1)[1]}"})
        return headers


def add_staff(node, email: str = "desk@itcork.example") -> dict:
    with node.app_context():
        user = create_user(email=email, name="Host desk", role=Role.HOST_STAFF)
        _, token = issue_token(user, "tests", 1)
        return {"Authorization": f"Bearer {token}"}


def add_desk(node, *, seats: int = 1, name: str = "Harbour desk", opening_hours=None, closed_days=()) -> str:
    with node.app_context():
        location = create_item(
            Location,
            {
                "name": f"{name} building",
                "address": "Penrose Wharf",
                "city": "Cork",
                "country": "IE",
                "timezone": "Europe/Dublin",
                "opening_hours": opening_hours if opening_hours is not None else {},
                "closed_days": list(closed_days),
            },
        )
        return create_item(Desk, {"name": name, "seats": seats, "location_id": location.id}).uid


def add_event(node, *, seats: int, title: str = "Cork AI meetup", days_ahead: int = 14, rate: int | None = 1500) -> str:
    """An event with ``seats`` visitor seats, ``days_ahead`` days from now; returns its uid."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
    with node.app_context():
        event = create_item(
            Event,
            {
                "title": title,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "timezone": "Europe/Dublin",
                "visitor_seats": seats,
                "member_rate_amount": rate,
                "member_rate_currency": "EUR" if rate else None,
            },
        )
        return event.uid


def vary_terms(host, home, **changes) -> None:
    with host.app_context():
        set_variation(get_peer(node_id_of(home)), changes)


def plan(host, desk_uid: str, first: date, last: date | None = None, **extra) -> dict:
    """The body of a visit request (or quote) for ``desk_uid`` at ``host``."""
    return {
        "host": node_id_of(host),
        "desk": desk_uid,
        "first_day": first.isoformat(),
        "last_day": (last or first).isoformat(),
        **extra,
    }


def next_monday(weeks_ahead: int = 3) -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) + 7 * (weeks_ahead - 1))


def mails(node) -> list[EmailMessage]:
    """The e-mails a node wrote to its instance's mail/ folder (no MAIL_SERVER set), oldest first."""
    folder = node.instance / "mail"
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def mails_to(node, address: str) -> list[EmailMessage]:
    return [mail for mail in mails(node) if address in mail["To"]]


def body_text(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def check_in_days(host, uid: str, days) -> None:
    """Check the visitor in on each of ``days`` at 09:00 in the desk's zone (the host's clock moved)."""
    with host.app_context():
        visit = hosted_visit(uid)
        for day in days:
            check_in(visit, "host", now=datetime.combine(day, time(9, 0), DUBLIN))


def complete_due(host, after: date) -> int:
    """Run the host's completion as of noon on ``after``; returns how many visits completed."""
    with host.app_context():
        return complete_finished(now=datetime.combine(after, time(12, 0), UTC))


def signed_visit_request(
    home, host_id: str, home_id: str, dates: dict, n: int, company: int | None = None
) -> tuple[bytes, NodeKey]:
    """The body of a visit request straight from ``home`` to the host, with an attestation for
    visitor ``n`` of company ``company`` (default ``n``; distinct pseudonyms), and the key to sign
    it with."""
    company = n if company is None else company
    key = home.signing_key()
    visit_id = str(uuid.uuid4())
    claims = {
        "visit_id": visit_id,
        "company": {"ref": f"company-{company:04d}", "name": f"Company {company}", "country": "DE", "status": "active"},
        "person": {"ref": f"person-{n:04d}", "name": f"Visitor {n}", "email": f"v{n}@crowd.example", "language": "en"},
    }
    token = sign_attestation(claims, key, issuer=home_id, audience=host_id)
    body = json.dumps({"visit_id": visit_id, "attestation": token, "people": 1, **dates}).encode()
    return body, key


def home_visit_row(peer, first: date, last: date | None = None, **fields) -> Visit:
    """A visit as the home node holds it (asked for, not answered, unless ``fields`` say
    otherwise), for tests that work on the database directly."""
    values = {
        "uid": str(uuid.uuid4()),
        "role": VisitRole.HOME,
        "peer": peer,
        "state": VisitState.REQUESTED,
        "version": 0,
        "desk_uid": str(uuid.uuid4()),
        "starts_on": first,
        "ends_on": last or first,
        "people": 1,
        "company_ref": "c-0001",
    }
    return Visit(**(values | fields))
