"""Sending a visit request or an event registration to its host until the host has answered it.

Both are rows of the home node with the same sending columns: ``sent_at`` (set once the host's
answer is applied), ``send_attempts``, ``next_send_at``, ``last_send_error`` and
``needs_attention_at`` (set aside for staff: not sent again until they retry it).

A try is taken first (``take_turn``): the attempt is counted and the row held for the sending, by
a version-checked UPDATE in a commit of its own, so nothing is locked while the host is asked and
no two senders (the visitor's request, a worker) send it at once. A failed try is recorded
(``failed``) and tried again after a doubling delay, or set aside when it keeps failing
(``delivery.sets_aside``). Whatever fails, one row's failure never stops the sending of others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from federation.client import DeliveryError
from roaming.db import lock_row, session, utcnow
from roaming.errors import DomainError
from roaming.peers.delivery import IN_FLIGHT_SECONDS, enqueue, retry_delay, sets_aside
from roaming.peers.models import OutboxMessage, Peer, VisitRole
from roaming.peers.operations import client
from roaming.peers.trust import resolver_for


def due(model, now: datetime, limit: int = 100) -> list:
    """Up to ``limit`` of our members' rows of ``model`` that were not answered yet and are due
    for another try, longest due first (a pass is bounded; the rest wait for the next)."""
    query = select(model).where(
        model.role == VisitRole.HOME,
        model.sent_at.is_(None),
        model.needs_attention_at.is_(None),
        model.next_send_at <= now,
    )
    return list(session.scalars(query.order_by(model.next_send_at, model.id).limit(limit)))


def send(row, path: str, payload: Callable[[], dict], apply: Callable, refused: Callable, inline: bool) -> None:
    """One try of ``row`` to its host: ``payload()`` POSTed to ``path``, and the host's signed
    answer given to ``apply(peer, data, row)``; a refusal (a permanent failure) to
    ``refused(row, error)``, which may raise for a waiting visitor. Every other failure (an
    unreachable host, an error answer, an answer ``apply`` cannot use, our own error) is recorded
    by ``failed``, with nothing of the answer kept; nothing else escapes."""
    if not take_turn(row, due_only=not inline):
        return
    peer = row.peer
    try:
        answer = client().post(f"{peer.base_url}{path}", payload(), resolver_for(peer))
    except DeliveryError as error:
        if error.retry:
            failed(row, error)
        else:
            refused(row, error)
        return
    except Exception as error:  # noqa: BLE001 - e.g. the visitor's record erased: this row's failure only
        failed(row, error)
        return
    try:
        row.sent_at, row.next_send_at, row.last_send_error = utcnow(), None, None
        apply(peer, answer.data, row)
    except Exception as error:  # noqa: BLE001 - a garbled or poisoned answer: nothing of it is kept
        failed(row, error)


def take_turn(row, due_only: bool) -> bool:
    """Count a try of ``row`` and hold it for the sending (tried again after
    ``IN_FLIGHT_SECONDS`` should this process die), committed; False, with nothing changed, when
    another sender took it meanwhile, or it was answered or set aside, or (``due_only``) it is
    not due."""
    model, now = type(row), utcnow()
    query = update(model).where(
        model.id == row.id,
        model.sent_at.is_(None),
        model.needs_attention_at.is_(None),
        model.send_attempts == row.send_attempts,
    )
    if due_only:
        query = query.where(model.next_send_at <= now)
    values = {"send_attempts": row.send_attempts + 1, "next_send_at": now + timedelta(seconds=IN_FLIGHT_SECONDS)}
    taken = session.execute(query.values(**values).execution_options(synchronize_session=False))
    session.commit()
    session.refresh(row)
    return cast(CursorResult, taken).rowcount == 1


def failed(row, error: Exception) -> None:
    """Record a failed try of ``row`` (the session rolled back first): its error, and either the
    next try after ``retry_delay`` or, when it keeps failing, set aside for staff. Committed."""
    session.rollback()
    model, now = type(row), utcnow()
    attempts = row.send_attempts
    aside = sets_aside(attempts, error)
    described = describe(error)
    current_app.logger.warning(
        "Sending %s %s failed (try %d)%s: %s",
        model.__name__.lower(),
        row.uid,
        attempts,
        ", set aside for staff" if aside else "",
        described,
        exc_info=not isinstance(error, DeliveryError | DomainError),
    )
    session.execute(
        update(model)
        .where(model.id == row.id, model.sent_at.is_(None), model.send_attempts == attempts)
        .values(
            last_send_error=described[:1000],
            next_send_at=None if aside else now + timedelta(seconds=retry_delay(attempts)),
            needs_attention_at=now if aside else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(row)


def describe(error: Exception) -> str:
    """An error as staff read it: the message of an expected failure, else its kind and text."""
    if isinstance(error, DeliveryError | DomainError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def now_or_queued(
    peer: Peer,
    path: str,
    payload: dict,
    refusal: Callable[[DeliveryError], Exception],
    queued_already: Callable[[], bool] = lambda: False,
):
    """Send ``payload`` to ``peer`` at once and return its signed answer; when ``peer`` cannot be
    reached, queue it in the outbox (committed; the worker delivers it with the same message id)
    unless ``queued_already()`` says the same is waiting there, and return None. The check and the
    queueing hold the peer's row, so that the same message pressed several times at once is
    queued once. A refusal raises ``refusal(error)``."""
    try:
        return client().post(f"{peer.base_url}{path}", payload, resolver_for(peer))
    except DeliveryError as error:
        if not error.retry:
            raise refusal(error) from None
        lock_row(Peer, peer.id)
        if not queued_already():
            enqueue(peer, path, payload)
        session.commit()
        return None


def waiting(peer: Peer, path: str) -> bool:
    """Whether a message to ``path`` waits in ``peer``'s outbox (not delivered, not given up)."""
    return (
        session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.peer_id == peer.id,
                OutboxMessage.path == path,
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None),
            )
        )
        is not None
    )
