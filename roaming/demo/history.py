"""A short history for the demo federation, played through the running nodes so that the ledger,
the connections and the case studies have something to show.

Members ask for desks over the real API and hosts decide over it; only the clock is moved (check-in
on the visit's days, completion, the end of an event, the first survey), by running the hosts' own
clock operations as of those moments. Every receipt, document and answer travels as signed HTTP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import requests

from roaming.accounts.operations import find_user_by_email, issue_token
from roaming.app import create_app
from roaming.db import engine_for, session, utcnow
from roaming.events import clock as event_clock
from roaming.followup import operations as followup
from roaming.ledger.models import Book, Receipt
from roaming.visits import clock, hosting

TIMEOUT = 20
RECEIPTS = 6  # 2 visits x (confirmed, completed), 1 declined, 1 event seat


@dataclass
class Player:
    """One demo node as the history script uses it: its URL, its instance, and bearer tokens."""

    node: object  # roaming.demo.DemoNode
    member: dict
    staff: dict

    def app(self):
        return create_app({"INSTANCE_PATH": self.node.instance})

    def post(self, path: str, headers: dict, json: dict | None = None) -> dict:
        answer = requests.post(f"{self.node.url}{path}", json=json or {}, headers=headers, timeout=TIMEOUT)
        if answer.status_code >= 400:
            raise RuntimeError(f"{self.node.name}: POST {path} answered {answer.status_code}: {answer.text}")
        return answer.json()

    def get(self, path: str, headers: dict | None = None) -> list | dict:
        answer = requests.get(f"{self.node.url}{path}", headers=headers or {}, timeout=TIMEOUT)
        answer.raise_for_status()
        return answer.json()

    def run(self, operation):
        """Run ``operation()`` in this node's app context (as its worker would)."""
        app = self.app()
        try:
            with app.app_context():
                result = operation()
                session.commit()
                return result
        finally:
            engine_for(app).dispose()


def player(node) -> Player:
    app = create_app({"INSTANCE_PATH": node.instance})
    with app.app_context():
        tokens = {}
        for role in ("member", "host staff"):
            _, token = issue_token(find_user_by_email(node.logins[role]), "demo history", 1)
            tokens[role] = {"Authorization": f"Bearer {token}"}
        session.commit()
    engine_for(app).dispose()
    return Player(node, tokens["member"], tokens["host staff"])


def play(coordinator, paris, cork, today: date | None = None) -> None:
    """Systematic's member visits it@cork for two days and registers for a Cork event; it@cork's
    member visits CyberForum; Systematic declines a CyberForum request; the Systematic visitor
    answers the first survey with a case study. Returns when the coordinator counted it all."""
    karlsruhe, paris, cork = player(coordinator), player(paris), player(cork)
    for one in (karlsruhe, paris, cork):
        _wait(lambda one=one: _active_peers(one) >= 2, f"{one.node.name} knows both partners")
    monday = _monday(today or date.today(), weeks_ahead=5)
    tuesday = monday + timedelta(days=1)

    paris_visit = _visit(paris, cork, monday, tuesday, "Meeting Cork's cloud and analytics firms")
    cork.post(f"/api/visits/{paris_visit}/approve", cork.staff)
    cork_visit = _visit(cork, karlsruhe, monday, monday, "Security partners in Karlsruhe")
    karlsruhe.post(f"/api/visits/{cork_visit}/approve", karlsruhe.staff)
    declined = _visit(karlsruhe, paris, tuesday, tuesday, "Open source community day")
    reason = "Our coworking floor is closed for renovation that week; please ask for the week after."
    paris.post(f"/api/visits/{declined}/decline", paris.staff, {"reason": reason})
    event = next(e for e in cork.get("/api/events") if e["visitor_seats"] > 0)
    paris.post("/api/registrations", paris.member, {"host": _node_id(cork), "event": event["uid"]})

    cork.run(lambda: _attend(paris_visit, [monday, tuesday]))
    karlsruhe.run(lambda: _attend(cork_visit, [monday]))
    cork.run(lambda: event_clock.close_finished(datetime.fromisoformat(event["ends_at"]) + timedelta(hours=1)))
    _wait(lambda: paris.get(f"/api/visits/{paris_visit}", paris.member)["state"] == "completed", "the visit completed")
    paris.run(lambda: followup.send_due(utcnow() + timedelta(days=8)))
    [survey] = paris.get("/api/followup/surveys", paris.member)
    paris.post(
        f"/api/followup/surveys/{survey['survey_id']}/answer",
        paris.member,
        {
            "useful": True,
            "new_contacts": 4,
            "orders": "10k_to_100k",
            "contracts": "none",
            "publish_case_study": True,
            "case_study": "Two days at it@cork's Penrose Wharf hub gave Lutèce Logiciels its first Irish "
            "customer: a Cork analytics firm now runs its scheduling software.",
        },
    )
    _wait(lambda: karlsruhe.run(_federation_receipts) >= RECEIPTS, "the coordinator counted every receipt")
    _wait(lambda: karlsruhe.get("/api/followup/case-studies?scope=federation"), "the coordinator has the case study")


def _monday(today: date, weeks_ahead: int) -> date:
    return today + timedelta(days=(7 - today.weekday()) + 7 * (weeks_ahead - 1))


def _active_peers(target: Player) -> int:
    return sum(row["peer"]["status"] == "active" for row in target.get("/api/peers", target.staff))


def _node_id(target: Player) -> str:
    return target.get("/.well-known/roaming-node")["node_id"]


def _visit(home: Player, host: Player, first: date, last: date, message: str) -> str:
    desk = host.get("/api/desks")[0]
    plan = {"host": _node_id(host), "desk": desk["uid"], "first_day": first.isoformat(), "last_day": last.isoformat()}
    return home.post("/api/visits", home.member, {**plan, "message": message})["visit_id"]


def _attend(uid: str, days: list[date]) -> None:
    """The visitor checks in each day at 09:00 local time; the next day the visit is completed."""
    visit = hosting.hosted_visit(uid)
    zone = ZoneInfo(visit.resource["location"]["timezone"])
    for day in days:
        hosting.check_in(visit, "visitor", now=datetime.combine(day, clock_time(9), zone))
    clock.complete_finished(now=datetime.combine(days[-1] + timedelta(days=1), clock_time(12), UTC))


def _federation_receipts() -> int:
    return session.query(Receipt).filter(Receipt.book == Book.FEDERATION).count()


def _wait(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"The demo history stalled: not true after {timeout:.0f} s: {what}.")
        time.sleep(0.3)
