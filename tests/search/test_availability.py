"""The date filter of search: each desk's host is asked for its free seats on the dates (as for a
quote; faked here, tests/web/test_search_journey.py asks real hosts), and the desks come best fit
first."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest

from roaming import create_app
from roaming.accounts.models import Role
from roaming.db import engine_for, session, utcnow
from roaming.errors import DomainError
from roaming.peers import mirror
from roaming.peers.models import Peer, TrustSource
from roaming.search.availability import Availability, CheckedDesk, Fit, availability_of, ordered
from roaming.visits import visiting
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.each_database

SEQ = itertools.count(1)
MONDAY = date.today() + timedelta(days=14 - date.today().weekday())
DAYS = [(MONDAY + timedelta(days=n)).isoformat() for n in range(3)]


def _quote(seats: list[int]) -> dict:
    return {"working_days": DAYS, "free_seats": dict(zip(DAYS, seats, strict=True)), "problems": {}}


# what each desk's host answers for DAYS (seats free per day), or the error it raises
ANSWERS = {
    "full-desk": _quote([0, 0, 0]),
    "partly-one": _quote([1, 0, 1]),
    "free-desk": _quote([2, 2, 2]),
    "partly-two": _quote([0, 0, 1]),
    "closed-desk": {"working_days": [], "free_seats": {}, "problems": {"first_day": ["Closed all week."]}},
    "down-1": DomainError("far.example cannot be reached right now; please try again later."),
    "down-2": _quote([2, 2, 2]),  # never asked: its host did not answer for down-1
}


@pytest.fixture
def desks(app):
    """Desks at three partners, in the search's order (by cluster, then name)."""
    with app.app_context():
        for name, uids in (("a-cork", list(ANSWERS)[:5]), ("b-far", ["down-1", "down-2"])):
            peer = Peer(node_id=f"node-{name}", name=name, country="IE", base_url=f"http://{name}.example")
            peer.trust = TrustSource.REGISTRY
            session.add(peer)
            session.flush()
            for number, uid in enumerate(uids):
                item = {"id": number, "name": f"Desk {uid}", "seats": 2}
                change = {"seq": next(SEQ), "kind": "desk", "uid": uid, "deleted": False, "item": item}
                mirror.apply_change(peer, change)
        session.commit()


@pytest.fixture
def asked(monkeypatch):
    """The desks whose hosts were asked, in order; the hosts answer from ANSWERS."""
    calls = []

    def fake_quote(user, planned):
        calls.append(planned["desk"])
        assert planned["first_day"] == MONDAY and planned["last_day"] == MONDAY + timedelta(days=2)
        answer = ANSWERS[planned["desk"]]
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(visiting, "ask_quote", fake_quote)
    return calls


@pytest.fixture
def member(make_user, bearer):
    return bearer(make_user(role=Role.MEMBER))


def _dated(**extra) -> dict:
    return {"first_day": DAYS[0], "last_day": DAYS[2], **extra}


def test_a_quote_says_free_partly_full_or_why_not():
    assert availability_of(_quote([1, 1, 1]), 1) == Availability(Fit.FREE, 3, 3)
    assert availability_of(_quote([2, 1, 2]), 2) == Availability(Fit.PARTLY, 2, 3)
    assert availability_of(_quote([1, 1, 1]), 2) == Availability(Fit.FULL, 0, 3)
    assert availability_of(ANSWERS["closed-desk"], 1) == Availability(Fit.UNKNOWN, reason="Closed all week.")


def test_best_fit_first_then_most_free_days_then_the_search_order():
    fits = [
        Availability(Fit.UNKNOWN),
        Availability(Fit.PARTLY, 1, 3),
        Availability(Fit.FULL, 0, 3),
        Availability(Fit.FREE, 3, 3),
        Availability(Fit.PARTLY, 2, 3),
        Availability(Fit.FREE, 2, 2),
    ]
    desks = [CheckedDesk(item=number, availability=fit) for number, fit in enumerate(fits)]
    assert [desk.item for desk in ordered(desks)] == [3, 5, 4, 1, 2, 0]


def test_the_api_answers_desks_best_fit_first_with_each_hosts_answer(client, desks, asked, member):
    response = client.get("/api/federation/search", query_string=_dated(), headers=member)
    assert response.status_code == 200, response.json
    rows = [(row["uid"], row["availability"]["fit"], row["availability"]["free_days"]) for row in response.json]
    assert rows == [
        ("free-desk", "free", 3),
        ("partly-one", "partly", 2),
        ("partly-two", "partly", 1),
        ("full-desk", "full", 0),
        ("closed-desk", "unknown", 0),
        ("down-1", "unknown", 0),
        ("down-2", "unknown", 0),
    ]
    assert response.json[-1]["availability"]["reason"].startswith("far.example cannot be reached")
    assert "down-2" not in asked  # its host was not reachable a moment before
    assert response.headers["X-Total-Exact"] == "true"
    assert "availability" not in client.get("/api/federation/search?kind=desk&people=2", headers=member).json[0]


def test_a_host_whose_deliveries_are_paused_is_not_asked(app, client, desks, asked, member):
    with app.app_context():
        far = session.query(Peer).filter_by(name="b-far").one()
        far.breaker_open_until = utcnow() + timedelta(minutes=5)
        session.commit()
    rows = client.get("/api/federation/search", query_string=_dated(), headers=member).json
    assert [row["availability"]["reason"] for row in rows[-2:]] == [
        "b-far cannot be reached right now; please try again later."
    ] * 2
    assert not {"down-1", "down-2"} & set(asked)


def test_people_count_on_each_day(client, desks, asked, member):
    rows = client.get("/api/federation/search", query_string=_dated(people=2, country="IE"), headers=member).json
    assert [row["uid"] for row in rows if row["availability"]["fit"] == "free"] == ["free-desk"]
    full = ["full-desk", "partly-one", "partly-two"]  # one seat free on some days is not enough for two
    assert [row["uid"] for row in rows if row["availability"]["fit"] == "full"] == full


def test_an_account_without_a_company_is_told_why_and_no_host_is_asked(client, desks, asked, make_user, bearer):
    staff = bearer(make_user(role=Role.HOST_STAFF))
    rows = client.get("/api/federation/search", query_string=_dated(), headers=staff).json
    assert {row["availability"]["fit"] for row in rows} == {"unknown"}
    assert "member companies" in rows[0]["availability"]["reason"] and asked == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"first_day": DAYS[0]}, "last_day", "Give the first and the last day."),
        ({"last_day": DAYS[0]}, "first_day", "Give the first and the last day."),
        (_dated(first_day=DAYS[2], last_day=DAYS[0]), "last_day", "The last day is before the first day."),
        (_dated(first_day="2020-01-06", last_day="2020-01-07"), "first_day", "2020-01-06 is in the past."),
        (_dated(last_day=(MONDAY + timedelta(days=100)).isoformat()), "last_day", "A visit spans at most 92 days."),
        (_dated(first_day="2999-01-01", last_day="2999-01-02"), "last_day", "too far ahead"),
        (_dated(kind="event"), "kind", "Free days are known for desks only."),
        (_dated(people="0"), "people", "greater than or equal to 1"),
        (_dated(first_day="13/01/2027"), "first_day", "Not a valid date."),
    ],
)
def test_bad_dates_are_named_by_field(client, desks, asked, member, query, field, message):
    response = client.get("/api/federation/search", query_string=query, headers=member)
    assert response.status_code == 422
    messages = response.json["errors"]["query"]
    assert list(messages) == [field] and message in " ".join(messages[field])
    assert asked == []


def test_the_page_starts_on_desks_and_anything_stays_chosen(client, desks, login, make_user):
    login(make_user(role=Role.MEMBER))
    page = client.get("/search").get_data(as_text=True)
    assert '<option value="desk" selected>' in page and "7 results" in page
    mixed = client.get("/search?kind=&page=1").get_data(as_text=True)
    assert '<option value="desk" selected>' not in mixed


def test_the_page_shows_the_fit_of_each_desk_and_links_with_the_dates(client, desks, asked, login, make_user):
    login(make_user(role=Role.MEMBER))
    page = client.get("/search", query_string=_dated(people="1")).get_data(as_text=True)
    assert "7 desks asked for these days" in page
    fits = re.findall(r'data-fit="(\w+)"', page)
    assert fits == ["free", "partly", "partly", "full", "unknown", "unknown", "unknown"]
    assert "Free on all 3 working days" in page and "Free on 2 of 3 working days" in page
    assert (
        f"/visits/new?host=node-a-cork&amp;desk=free-desk&amp;first_day={DAYS[0]}&amp;last_day={DAYS[2]}&amp;people=1"
        in page
    )
    assert f"/clusters/node-a-cork/desks/free-desk?from={DAYS[0]}#availability" in page


def test_the_page_names_a_bad_date_beside_its_field_and_keeps_the_input(client, desks, asked, login, make_user):
    login(make_user(role=Role.MEMBER))
    response = client.get("/search", query_string=_dated(first_day=DAYS[2], last_day=DAYS[0]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="last_day-error">The last day is before the first day.', page)
    assert f'value="{DAYS[2]}"' in page and asked == []


def test_slow_hosts_hold_the_search_for_its_budget_only(client, desks, asked, member, monkeypatch):
    from roaming.search import availability

    clock = itertools.count(0, 4)  # each look at the clock is 4 s later: the budget (10 s) ends after two asks
    monkeypatch.setattr(availability.time, "monotonic", lambda: next(clock))
    rows = client.get("/api/federation/search", query_string=_dated(), headers=member).json
    assert len(asked) == 2 and len(rows) == 7
    not_asked = [row for row in rows if row["uid"] not in asked]
    assert {row["availability"]["fit"] for row in not_asked} == {"unknown"}
    assert not_asked[0]["availability"]["reason"] == "Not asked: the hosts took too long; narrow the search."


def test_searches_with_dates_are_limited_per_person_and_plain_ones_are_not(
    instance_path, desks, asked, member, make_user, bearer
):
    limited = create_app(
        {
            "INSTANCE_PATH": instance_path,
            **TEST_CONFIG,
            "RATELIMIT_ENABLED": True,
            "DATED_SEARCH_RATE_LIMIT": "2 per minute",
        }
    )
    try:
        client = limited.test_client()
        statuses = [
            client.get("/api/federation/search", query_string=_dated(), headers=member).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        assert client.get("/search", query_string=_dated(), headers=member).status_code == 429  # page and API together
        assert client.get("/api/federation/search?kind=desk", headers=member).status_code == 200
        someone_else = bearer(make_user(role=Role.MEMBER))
        assert client.get("/api/federation/search", query_string=_dated(), headers=someone_else).status_code == 200
    finally:
        engine_for(limited).dispose()
