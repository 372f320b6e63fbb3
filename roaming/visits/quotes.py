"""What a visit would be under the host's terms: its working days, what is free, what it costs,
and every reason it cannot be made, named by field. The host computes it, for the visitor's
preview (``quote``) and again when the request arrives (``check_request``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from roaming.catalogue.models import Desk, RateUnit, Service
from roaming.catalogue.service_kinds import kind_of, options_schema
from roaming.db import session
from roaming.peers.models import Peer
from roaming.peers.variations import effective_terms
from roaming.plugins import hook
from roaming.visits import calendar, horizon
from roaming.visits.models import Visit, VisitRole, VisitState

COUNTED_STATES = (
    VisitState.REQUESTED,
    VisitState.CONFIRMED,
    VisitState.CHECKED_IN,
    VisitState.NO_SHOW,
    VisitState.COMPLETED,
)


@dataclass
class Quote:
    terms: dict
    desk: Desk | None = None
    days: list[date] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    service_options: dict[str, dict] = field(default_factory=dict)  # uid -> options as loaded
    price_lines: list[dict] = field(default_factory=list)
    currency: str | None = None
    visits_used: int = 0
    seats: dict[date, int] = field(default_factory=dict)  # free seats per working day
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, name: str, message: str) -> None:
        self.problems.setdefault(name, []).append(message)

    @property
    def free_days(self) -> int:
        return min(len(self.days), self.terms["free_days_per_visit"])

    def price(self) -> dict:
        return {
            "currency": self.currency,
            "amount": sum(line["amount"] for line in self.price_lines),
            "lines": self.price_lines,
        }

    def as_dict(self) -> dict:
        terms = self.terms
        limit = terms["visits_per_company_per_year"]
        return {
            "terms": terms,
            "working_days": [day.isoformat() for day in self.days],
            "free_days_per_visit": terms["free_days_per_visit"],
            "free_days_used": self.free_days,
            "free_days_left": max(0, terms["free_days_per_visit"] - len(self.days)),
            "visits_this_year": self.visits_used,
            "visits_per_year": limit,
            "confirmation": terms["desk_confirmation"],
            "price": self.price(),
            "free_seats": {day.isoformat(): self.seats.get(day, 0) for day in self.days},
            "problems": self.problems,
        }


def make_quote(peer: Peer, company_ref: str, request: dict, now: datetime) -> Quote:
    """``request``: desk (uid), first_day, last_day, people, services (uids), service_options."""
    quote = Quote(terms=effective_terms(peer))
    quote.desk = session.scalar(select(Desk).where(Desk.uid == request["desk"]).options(joinedload(Desk.location)))
    if quote.desk is None:
        quote.problem("desk", "This host has no such desk (any more).")
        return quote
    _check_dates(quote, request, now)
    _check_people(quote, request["people"])
    _check_allowance(quote, peer, company_ref, request["first_day"])
    _check_seats(quote, request["people"])
    _price_days(quote, request["people"])
    _price_services(quote, request.get("services", []), request["people"])
    for service in quote.services:
        _check_options(quote, service, request.get("service_options", {}).get(service.uid))
    return quote


def _check_dates(quote: Quote, request: dict, now: datetime) -> None:
    location, first, last = quote.desk.location, request["first_day"], request["last_day"]
    today = calendar.local_today(location, now)
    if first < today:
        quote.problem("first_day", f"{first} is in the past at {location.name}.")
    if too_far := horizon.beyond(last, today):
        quote.problem("last_day", too_far)
        return
    if last < first:
        quote.problem("last_day", "The last day is before the first day.")
        return
    if (last - first).days >= calendar.MAX_SPAN_DAYS:
        quote.problem("last_day", f"A visit spans at most {calendar.MAX_SPAN_DAYS} days.")
        return
    quote.days = calendar.working_days(location, first, last)
    if not quote.days:
        quote.problem("first_day", f"{location.name} has no working day from {first} to {last}.")
    terms = quote.terms
    if len(quote.days) > terms["free_days_per_visit"] and terms["beyond_free_days"] == "refuse":
        quote.problem(
            "last_day",
            f"{len(quote.days)} working days asked for; the terms allow at most "
            f"{terms['free_days_per_visit']} consecutive working days per visit.",
        )


def _check_people(quote: Quote, people: int) -> None:
    if people > quote.terms["max_people"]:
        quote.problem("people", f"The terms allow at most {quote.terms['max_people']} people per visit.")
    if people > quote.desk.seats:
        quote.problem("people", f"{quote.desk.name} has {quote.desk.seats} seat(s).")


def visits_used(peer: Peer, company_ref: str, year: int) -> int:
    """Visits a company of ``peer`` made or asked for at this host in ``year`` (by first day)."""
    return session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(
            Visit.role == VisitRole.HOST,
            Visit.peer_id == peer.id,
            Visit.company_ref == company_ref,
            Visit.state.in_(COUNTED_STATES),
            Visit.starts_on >= date(year, 1, 1),
            Visit.starts_on <= date(year, 12, 31),
        )
    )


def _check_allowance(quote: Quote, peer: Peer, company_ref: str, first_day: date) -> None:
    quote.visits_used = visits_used(peer, company_ref, first_day.year)
    limit = quote.terms["visits_per_company_per_year"]
    if limit is not None and quote.visits_used >= limit:
        quote.problem(
            "first_day",
            f"The company has made {quote.visits_used} of its {limit} visit(s) to this host in {first_day.year}.",
        )


def free_seats(desk: Desk, first: date, last: date) -> dict[date, int]:
    """Free seats of ``desk`` per day: the smallest of the ``roaming_availability`` answers (the
    built-in one counts our seat allocations; a plugin may consult an external system)."""
    free: dict[date, int] = {}
    for answer in hook().roaming_availability(resource=desk, start=first, end=last):
        for day, units in (answer or {}).items():
            free[day] = min(units, free.get(day, units))
    return free


def _check_seats(quote: Quote, people: int) -> None:
    if not quote.days:
        return
    free = quote.seats = free_seats(quote.desk, quote.days[0], quote.days[-1])
    full = [day.isoformat() for day in quote.days if free.get(day, 0) < people]
    if full:
        quote.problem("first_day", f"{quote.desk.name} has no free seat for {people} on {', '.join(full)}.")


def _rate_for(kind: str, location_id: int) -> Service | None:
    """The member-rate service of ``kind`` at the location, else the host's general one."""
    candidates = session.scalars(
        select(Service)
        .where(Service.kind == kind, Service.member_rate_amount.is_not(None), Service.withdrawn.is_(False))
        .order_by(Service.id)
    ).all()
    local = [service for service in candidates if service.location_id == location_id]
    return (local or candidates or [None])[0]


def _add_line(quote: Quote, label: str, amount: int, currency: str) -> bool:
    if quote.currency not in (None, currency):
        quote.problem("services", f"{label} is priced in {currency}, the rest in {quote.currency}.")
        return False
    quote.currency = currency
    quote.price_lines.append({"label": label, "amount": amount})
    return True


def _price_days(quote: Quote, people: int) -> None:
    extra = len(quote.days) - quote.terms["free_days_per_visit"]
    if extra <= 0 or quote.terms["beyond_free_days"] == "refuse":
        return
    rate = _rate_for("desk", quote.desk.location_id)
    if rate is None:
        quote.problem(
            "last_day",
            f"Days beyond the {quote.terms['free_days_per_visit']} free ones are charged at member rate, "
            "and this host publishes no desk rate: ask for fewer days.",
        )
        return
    amount = rate.member_rate_amount * extra * (people if rate.member_rate_unit is not RateUnit.SESSION else 1)
    _add_line(quote, f"{extra} desk day(s) beyond the free ones at member rate", amount, rate.member_rate_currency)


def _price_services(quote: Quote, uids: list[str], people: int) -> None:
    for uid in uids:
        service = session.scalar(select(Service).where(Service.uid == uid, Service.withdrawn.is_(False)))
        if service is None:
            quote.problem("services", f"This host offers no service {uid}.")
            continue
        quote.services.append(service)
        if service.free_under_agreement and service.kind in quote.terms["included_services"]:
            continue
        if service.member_rate_amount is None:
            continue  # offered without charge
        quantity = {RateUnit.DAY: len(quote.days), RateUnit.PERSON: people}.get(service.member_rate_unit, 1)
        _add_line(
            quote, f"{service.name} at member rate", service.member_rate_amount * quantity, service.member_rate_currency
        )


def _check_options(quote: Quote, service: Service, given: dict | None) -> None:
    """Validate the options chosen for ``service`` with its kind's schema; problems are named
    ``service_options.<uid>.<field>``."""
    name = f"service_options.{service.uid}"
    kind = kind_of(service.kind)
    schema = options_schema(kind, service) if kind else None
    if schema is None:
        if given:
            quote.problem(name, f"{service.name} takes no options.")
        return
    try:
        quote.service_options[service.uid] = schema.load(given or {})
    except ValidationError as error:
        for path, message in flat_messages(error.normalized_messages()):
            quote.problem(f"{name}.{path}" if path else name, message)


def flat_messages(messages, prefix: str = ""):
    """``(dotted field path, message)`` pairs from marshmallow's nested error messages."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = str(key) if key != "_schema" else ""
            yield from flat_messages(value, f"{prefix}.{path}".strip(".") if path else prefix)
    elif isinstance(messages, list | tuple):
        for message in messages:
            yield from flat_messages(message, prefix)
    else:
        yield prefix, str(messages)
