"""Needs attention: staff see what the node stopped trying, and retry or drop each item; of two
staff at once one wins and the other is told what the item is now, with nothing of its change
kept."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from roaming.attention import operations as attention
from roaming.db import session, utcnow
from roaming.errors import Conflict, NotFound
from roaming.notify.models import Notification
from roaming.peers.models import OutboxMessage
from roaming.visits.models import Visit

pytestmark = pytest.mark.each_database


def test_every_kind_set_aside_is_listed_with_its_partner_error_and_tries(within, set_aside):
    items = {item.kind: item for item in within(attention.items)}
    assert set(items) == {"message", "visit", "registration", "notification"}
    message, visit = items["message"], items["visit"]
    assert (message.subject, message.partner, message.attempts) == ("/federation/visits/updates", "it@cork", 10)
    assert message.last_error == "500 from the peer: boom"
    assert (visit.subject, visit.detail, visit.partner) == ("Ana Weber", "2027-03-01 – 2027-03-02", "it@cork")
    assert items["registration"].detail == "Cork AI meetup" and items["notification"].partner is None
    assert within(attention.counts) == {"message": 1, "visit": 1, "registration": 1, "notification": 1}


@pytest.mark.parametrize("kind", ["message", "visit", "registration", "notification"])
def test_a_retried_item_is_due_at_once_with_a_fresh_count_and_a_second_retry_is_refused(within, set_aside, kind):
    within(attention.retry, kind, set_aside[kind])
    assert kind not in within(attention.counts)
    row = within(lambda: session.get(attention.KINDS[kind].model, set_aside[kind]))
    attempts, due = (
        (row.attempts, row.next_attempt_at)
        if kind in ("message", "notification")
        else (row.send_attempts, row.next_send_at)
    )
    assert attempts == 0 and due <= utcnow()
    with pytest.raises(Conflict, match="waiting to be sent again; nothing was changed"):
        within(attention.retry, kind, set_aside[kind])


def test_a_dropped_visit_request_is_withdrawn_and_its_visitor_told(within, set_aside):
    within(attention.drop, "visit", set_aside["visit"])
    visit = within(lambda: session.get(Visit, set_aside["visit"]))
    assert visit.state.value == "cancelled" and "could not be delivered to it@cork" in visit.reason
    assert visit.needs_attention_at is None and visit.next_send_at is None
    told = within(lambda: session.scalars(select(Notification).where(Notification.kind == "visit.cancelled")).all())
    assert len(told) == 1 and "could not be delivered" in told[0].text
    asked = within(
        lambda: session.scalars(select(OutboxMessage.path).where(OutboxMessage.peer_id == visit.peer_id)).all()
    )
    assert f"/federation/visits/{visit.uid}/cancel" in asked  # the host may hold it: it is asked to cancel it
    with pytest.raises(Conflict, match="withdrawn"):
        within(attention.retry, "visit", set_aside["visit"])


def test_a_dropped_message_is_gone(within, set_aside):
    within(attention.drop, "message", set_aside["message"])
    assert within(lambda: session.get(OutboxMessage, set_aside["message"])) is None
    with pytest.raises(Conflict, match="gone"):
        within(attention.drop, "message", set_aside["message"])
    with pytest.raises(NotFound):
        within(attention.item, "message", set_aside["message"])
    with pytest.raises(NotFound):
        within(attention.retry, "desk", 1)


@pytest.mark.parametrize("kind", ["message", "visit"])
def test_two_staff_at_once_one_retries_one_drops_and_one_wins(app, set_aside, kind):
    start, outcomes = threading.Barrier(2), {}

    def act(action):
        with app.app_context():
            start.wait(10)
            try:
                getattr(attention, action)(kind, set_aside[kind])
                session.commit()  # as the staff's request would
                outcomes[action] = "done"
            except Conflict as refused:
                outcomes[action] = refused.message

    threads = [threading.Thread(target=act, args=(action,)) for action in ("retry", "drop")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()).count("done") == 1, outcomes
    loser = next(message for message in outcomes.values() if message != "done")
    assert "nothing was changed" in loser
    with app.app_context():
        row = session.get(attention.KINDS[kind].model, set_aside[kind])
        if outcomes["retry"] == "done":
            assert row is not None and kind not in attention.counts()
        else:
            assert row is None or row.state.value == "cancelled"
