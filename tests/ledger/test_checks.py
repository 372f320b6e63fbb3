"""The home checks every receipt a host sends against the visit or registration it holds: each way
a host could inflate its hosting is refused (kept apart, not counted, reported as refused), and a
document that would make the visit bigger is refused whole."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from roaming.db import session, utcnow
from roaming.errors import DomainError
from roaming.events import attending
from roaming.identity.operations import node_id
from roaming.ledger import checks, reporting
from roaming.ledger import operations as ledger
from roaming.ledger.models import Book, Receipt
from roaming.peers.models import OutboxMessage, RegistryCopy
from roaming.visits import visiting
from roaming.visits.documents import Contradiction
from roaming.visits.models import Visit
from tests.conftest import add_row
from tests.support.receipts import MONDAY, SERVICE, Partner, registration_document, visit_document

pytestmark = pytest.mark.each_database

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
BOOKED = {MONDAY: "booked", TUESDAY: "booked", WEDNESDAY: "booked"}
ATTENDED = {MONDAY: "checked_in", TUESDAY: "checked_in", WEDNESDAY: "no_show"}  # 2 desk days for 1 person


@pytest.fixture
def apply(within, host):
    """Apply a host's document here as the update endpoint does; returns the visit's state."""

    def run(doc: dict) -> str:
        def go():
            if "registration_id" in doc:
                attending.apply_host_document(host.peer(), doc)
                return None
            visiting.apply_host_document(host.peer(), doc)
            return session.scalar(select(Visit.state).where(Visit.uid == doc["visit_id"])).value

        return within(go)

    return run


@pytest.fixture
def book(within):
    """What this node's book holds of a subject: (kinds kept, {receipt id: reasons refused})."""

    def read(subject: str) -> tuple[list[str], dict[str, list[str]]]:
        def go():
            kept = session.scalars(
                select(Receipt.kind).where(Receipt.book == Book.NODE, Receipt.subject == subject).order_by(Receipt.id)
            ).all()
            refused: dict[str, list[str]] = {}
            for refusal in ledger.refusals(Book.NODE):
                refused.setdefault(refusal.receipt_id, []).append(refusal.reason)
            return list(kept), refused

        return within(go)

    return read


@pytest.fixture
def confirmed(home_visit, host, apply):
    """A visit the host confirmed (its confirmation receipt kept); returns the visit id."""
    uid = home_visit()
    assert apply(visit_document(uid, 2, "confirmed", BOOKED, [host.receipt("confirmed", uid, response_seconds=60)]))
    return uid


def test_receipts_that_match_the_visit_are_kept(confirmed, host, apply, book):
    completion = host.receipt("completed", confirmed, desk_days=2, services=1)
    assert apply(
        visit_document(
            confirmed, 6, "completed", ATTENDED, [host.receipt("confirmed", confirmed, response_seconds=60), completion]
        )
    )
    assert book(confirmed) == (["confirmed", "completed"], {})


ATTACKS = {
    "desk days inflated": ({"desk_days": 10_000, "services": 1}, "counts desk_days 10000"),
    "a day released as a no-show counted": ({"desk_days": 3, "services": 1}, "gives desk_days 2, services 1"),
    "more people than asked for": ({"desk_days": 4, "services": 1}, "gives desk_days 2"),
    "services not asked for": ({"desk_days": 2, "services": 3}, "gives desk_days 2, services 1"),
    "event seats on a visit": ({"desk_days": 2, "services": 1, "event_seats": 5}, "event_seats 0"),
    "another month": ({"desk_days": 2, "services": 1, "period": "2030-02"}, "the visit is in 2030-01"),
    "a response time on a completion": ({"desk_days": 2, "services": 1, "response_seconds": 1}, "no response time"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_inflated_completion_is_refused_and_not_counted(attack, confirmed, host, apply, book, within):
    claims, reason = ATTACKS[attack]
    inflated = host.receipt("completed", confirmed, **claims)
    assert apply(visit_document(confirmed, 6, "completed", ATTENDED, [inflated])) == "completed"  # the rest applies
    kept, refused = book(confirmed)
    assert kept == ["confirmed"]
    assert reason in refused[f"{confirmed}:completed"][0]
    problem = within(checks.problem, [inflated])
    assert problem["code"] == 422 and reason in problem["errors"]["receipts"][f"{confirmed}:completed"][0]


def test_a_response_slower_than_the_time_since_we_asked_is_refused(home_visit, host, apply, book):
    """The confirmation says the host took a week to answer a request made a moment ago."""
    uid = home_visit()
    slow = host.receipt("confirmed", uid, response_seconds=7 * 24 * 3600)
    assert apply(visit_document(uid, 2, "confirmed", BOOKED, [slow])) == "confirmed"
    kept, refused = book(uid)
    assert kept == [] and "answered after 604800 s; we asked" in refused[f"{uid}:confirmed"][0]


def test_receipts_that_are_not_about_this_visit_are_refused(confirmed, host, apply, book, home_visit):
    other = home_visit()
    for_other = host.receipt("completed", other, desk_days=2, services=1)
    for_another_home = host.receipt("completed", confirmed, audience=str(uuid.uuid4()), desk_days=2, services=1)
    apply(visit_document(confirmed, 6, "completed", ATTENDED, [for_other, for_another_home]))
    kept, refused = book(confirmed)
    assert kept == ["confirmed"] and book(other)[0] == []
    assert "not about" in refused[f"{other}:completed"][0]
    assert "addressed to another node" in refused[f"{confirmed}:completed"][0]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"kind": "bonus"}, "kind 'bonus' is unknown"),
        ({"desk_days": 10_001}, "desk_days is not a count"),
        ({"desk_days": -1}, "desk_days is not a count"),
        ({"desk_days": "lots"}, "desk_days is not a count"),
        ({"services": 1.5}, "services is not a count"),
        ({"period": "2030-13"}, "period is not YYYY-MM"),
    ],
)
def test_receipts_with_unknown_kinds_or_amounts_are_refused(claims, reason, confirmed, host, apply, book, within):
    payload = {
        "iss": host.node_id,
        "aud": within(node_id),
        "iat": 1_900_000_000,
        "kind": "completed",
        "subject": confirmed,
        "period": "2030-01",
        "desk_days": 2,
        "services": 1,
        "event_seats": 0,
        "response_seconds": None,
        **claims,
    }
    payload["jti"] = f"{confirmed}:{payload['kind']}"
    token = host.signed(payload)
    apply(visit_document(confirmed, 6, "completed", ATTENDED, [token]))
    kept, refused = book(confirmed)
    assert kept == ["confirmed"] and reason in refused[payload["jti"]][0]


def test_a_completion_of_a_visit_that_is_not_completed_is_refused(confirmed, host, apply, book):
    early = host.receipt("completed", confirmed, desk_days=1, services=1)
    days = {MONDAY: "checked_in", TUESDAY: "booked", WEDNESDAY: "booked"}
    assert apply(visit_document(confirmed, 3, "checked_in", days, [early])) == "checked_in"
    assert (
        "was confirmed and is checked_in: no completed receipt fits it"
        in book(confirmed)[1][f"{confirmed}:completed"][0]
    )


def test_a_confirmation_of_a_request_cancelled_before_any_decision_is_refused(home_visit, host, apply, book):
    uid = home_visit()
    apply(visit_document(uid, 1, "requested", BOOKED))
    cancelled = dict.fromkeys(BOOKED, "cancelled")
    apply(visit_document(uid, 2, "cancelled", cancelled, [host.receipt("confirmed", uid, response_seconds=5)]))
    assert book(uid) == (
        [],
        {f"{uid}:confirmed": ["The visit was requested and is cancelled: no confirmed receipt fits it."]},
    )


def test_a_confirmation_the_home_never_saw_before_the_cancellation_is_kept(home_visit, host, apply, book):
    """The answer to the visitor's cancellation (version 3) overtook the update that confirmed the
    visit (version 2, then ignored as older): the history the host sends shows the confirmation.
    Found by the stateful property test (tests/visits/test_stateful.py)."""
    uid = home_visit()
    apply(visit_document(uid, 1, "requested", BOOKED))
    history = [{"state": "requested"}, {"state": "confirmed"}, {"state": "cancelled"}]
    confirmation = host.receipt("confirmed", uid, response_seconds=5)
    cancelled = dict.fromkeys(BOOKED, "cancelled")
    apply(visit_document(uid, 3, "cancelled", cancelled, [confirmation], history=history))
    assert book(uid) == (["confirmed"], {})


def test_a_second_decision_is_refused_by_the_database(confirmed, host, apply, book):
    """A confirmed visit cannot be declined by the host; if it says it was, the decision index
    refuses a second decision receipt, whatever the document says."""
    declined = host.receipt("declined", confirmed, response_seconds=30)
    assert apply(visit_document(confirmed, 3, "declined", dict.fromkeys(BOOKED, "booked"), [declined])) == "declined"
    kept, refused = book(confirmed)
    assert kept == ["confirmed"]
    assert refused[f"{confirmed}:declined"] == [
        f"A second decision receipt for this visit: {confirmed}:confirmed was taken before."
    ]


def test_a_changed_receipt_sent_again_with_the_same_id_is_refused(confirmed, host, apply, book):
    apply(
        visit_document(
            confirmed, 6, "completed", ATTENDED, [host.receipt("completed", confirmed, desk_days=2, services=1)]
        )
    )
    changed = host.receipt("completed", confirmed, desk_days=20, services=1)
    same_again = host.receipt("completed", confirmed, desk_days=2, services=1)  # signed anew: the same figures
    apply(visit_document(confirmed, 7, "completed", ATTENDED, [changed, same_again]))
    kept, refused = book(confirmed)
    assert kept == ["confirmed", "completed"]
    assert refused == {
        f"{confirmed}:completed": [
            f"A receipt with the id {confirmed}:completed was taken before with other figures "
            "(period 2030-01, desk_days 2, services 1, event_seats 0); a receipt does not change."
        ]
    }


CONTRADICTIONS = {
    "more people": ({"people": 3}, ATTENDED, "3 people instead of the 1 asked for"),
    "a service not asked for": (
        {"services": [{"uid": SERVICE}, {"uid": "6b1d0c9f-6a2e-4f3c-8d7e-6b5a49382716"}]},
        ATTENDED,
        "services not asked for (6b1d0c9f-6a2e-4f3c-8d7e-6b5a49382716)",
    ),
    "a service asked for once, listed twice": (
        {"services": [{"uid": SERVICE}, {"uid": SERVICE}]},
        ATTENDED,
        f"services not asked for ({SERVICE})",
    ),
    "a day outside the visit": ({}, ATTENDED | {MONDAY + timedelta(days=3): "checked_in"}, "days outside 2030-01-07"),
    "a day that was not part of it": ({}, {MONDAY: "checked_in", TUESDAY: "checked_in"}, None),
}


@pytest.mark.parametrize("change", CONTRADICTIONS)
def test_a_document_that_makes_the_visit_bigger_is_refused_whole(change, confirmed, host, apply, book, within):
    fields, days, reason = CONTRADICTIONS[change]
    if reason is None:  # the host drops Wednesday, then brings it back checked in
        apply(visit_document(confirmed, 3, "confirmed", {MONDAY: "booked", TUESDAY: "booked"}))
        days, reason = ATTENDED, f"days that were not part of the visit ({WEDNESDAY.isoformat()})"
    receipt = host.receipt("completed", confirmed, desk_days=2, services=1)
    with pytest.raises(Contradiction, match=r"contradicts the visit as agreed") as refused:
        apply(visit_document(confirmed, 6, "completed", days, [receipt], **fields))
    assert reason in refused.value.message
    assert within(lambda: session.scalar(select(Visit.state).where(Visit.uid == confirmed))).value == "confirmed"
    assert book(confirmed) == (["confirmed"], {})


def test_days_given_back_stay_given_back_and_a_closed_visit_stays_closed(confirmed, host, apply):
    apply(visit_document(confirmed, 3, "confirmed", {MONDAY: "cancelled", TUESDAY: "booked", WEDNESDAY: "booked"}))
    with pytest.raises(Contradiction, match=r"days given back coming back \(2030-01-07\)"):
        apply(visit_document(confirmed, 6, "completed", ATTENDED))
    apply(visit_document(confirmed, 7, "no_show", {MONDAY: "cancelled", TUESDAY: "no_show", WEDNESDAY: "no_show"}))
    with pytest.raises(Contradiction, match="the visit is no_show and cannot become completed"):
        apply(
            visit_document(confirmed, 8, "completed", {MONDAY: "cancelled", TUESDAY: "no_show", WEDNESDAY: "no_show"})
        )


def test_a_token_the_host_did_not_sign_refuses_the_whole_document(confirmed, apply, book, within):
    forger = Partner("forger", us=within(node_id))
    with pytest.raises(DomainError, match="does not verify"):
        apply(visit_document(confirmed, 6, "completed", ATTENDED, [forger.receipt("completed", confirmed)]))
    assert book(confirmed) == (["confirmed"], {})


def test_an_event_seat_counts_only_for_a_registration_that_held_a_seat(home_registration, host, apply, book):
    attended, event = home_registration()
    apply(registration_document(attended, event, 1, "registered"))
    apply(registration_document(attended, event, 2, "attended", [host.receipt("event_seat", attended, event_seats=1)]))
    assert book(attended) == (["event_seat"], {})

    never_seated, event = home_registration()
    apply(registration_document(never_seated, event, 1, "waitlisted"))
    seat = host.receipt("event_seat", never_seated, event_seats=1)
    apply(registration_document(never_seated, event, 2, "attended", [seat]))
    assert book(never_seated)[0] == []
    assert (
        "was waitlisted and is attended: no event_seat receipt fits it"
        in book(never_seated)[1][f"{never_seated}:event_seat"][0]
    )

    two_seats, event = home_registration()
    apply(registration_document(two_seats, event, 1, "registered"))
    apply(
        registration_document(two_seats, event, 2, "attended", [host.receipt("event_seat", two_seats, event_seats=2)])
    )
    assert "counts desk_days 0, services 0, event_seats 2" in book(two_seats)[1][f"{two_seats}:event_seat"][0]


def test_a_cancelled_registration_stays_cancelled_and_keeps_to_its_event(home_registration, host, apply, book):
    uid, event = home_registration()
    apply(registration_document(uid, event, 1, "registered"))
    with pytest.raises(Contradiction, match="about another event"):
        apply(registration_document(uid, str(uuid.uuid4()), 2, "registered"))
    apply(registration_document(uid, event, 2, "cancelled"))
    seat = host.receipt("event_seat", uid, event_seats=1)
    with pytest.raises(Contradiction, match="is cancelled and cannot become attended"):
        apply(registration_document(uid, event, 3, "attended", [seat]))
    assert book(uid) == ([], {})


def test_what_the_home_reports_to_its_coordinator(home_visit, host, apply, within):
    """Accepted receipts go to any coordinator; refused ones, with the counts expected, only to a
    coordinator whose registry says it compares both sides' reports (an older one would refuse them)."""
    coordinator = Partner("CyberForum")
    within(coordinator.add)
    within(add_row, RegistryCopy(id=1, coordinator_node_id=coordinator.node_id, receipt_checks=True))

    def outbox():
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(message.path, message.payload) for message in messages]

    def visit_with_inflated_completion():
        uid = home_visit()
        apply(visit_document(uid, 2, "confirmed", BOOKED, [host.receipt("confirmed", uid, response_seconds=60)]))
        apply(visit_document(uid, 6, "completed", ATTENDED, [host.receipt("completed", uid, desk_days=9, services=1)]))

    visit_with_inflated_completion()
    [(accepted, _), (refused, payload)] = within(outbox)
    assert (accepted, refused) == (reporting.ACCEPTED_PATH, reporting.REFUSED_PATH)
    assert payload["expected"] == {"desk_days": 2, "services": 1, "event_seats": 0}
    assert "counts desk_days 9" in payload["reason"]

    def older_coordinator():
        session.get(RegistryCopy, 1).receipt_checks = False
        session.commit()

    within(older_coordinator)
    visit_with_inflated_completion()
    assert [path for path, _ in within(outbox)][2:] == [reporting.ACCEPTED_PATH]


def test_each_book_holds_one_decision_and_one_terminal_receipt_per_visit(within, host):
    def write(book: Book, *kinds: str) -> list[bool]:
        subject = str(uuid.uuid4())
        kept = []
        for kind in kinds:
            token = host.receipt(kind, subject, response_seconds=1 if kind in ("confirmed", "declined") else None)
            claims = {"jti": f"{subject}:{kind}", "iss": host.node_id, "aud": node_id(), "kind": kind}
            claims |= {"subject": subject, "period": "2030-01", "iat": 1_900_000_000}
            kept.append(ledger.keep(book, claims | dict.fromkeys(("desk_days", "services", "event_seats"), 0), token))
        session.commit()
        return kept

    assert within(write, Book.NODE, "confirmed", "completed") == [True, True]
    assert within(write, Book.NODE, "completed", "declined") == [True, False]
    assert within(write, Book.FEDERATION, "expired", "event_seat") == [True, False]
    assert within(write, Book.ISSUED, "confirmed", "declined") == [True, False]

    def insert_second_terminal():
        subject = str(uuid.uuid4())
        for kind in ("completed", "expired"):
            session.add(
                Receipt(
                    book=Book.NODE,
                    receipt_id=f"{subject}:{kind}",
                    issuer=host.node_id,
                    audience="home",
                    kind=kind,
                    subject=subject,
                    period="2030-01",
                    token=kind,
                    issued_at=utcnow(),
                )
            )
        session.flush()

    with pytest.raises(IntegrityError):
        within(insert_second_terminal)
