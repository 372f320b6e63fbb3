"""Sending due surveys: one whose e-mail cannot be made is postponed a day, logged, and never
stops the others."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from roaming.db import session, utcnow
from roaming.followup import operations as followup
from roaming.followup.models import Stage, Survey
from roaming.peers.models import Peer, TrustSource
from roaming.visits.models import Visit, VisitRole, VisitState

pytestmark = pytest.mark.each_database


def test_a_survey_that_cannot_be_sent_is_postponed_and_the_others_go(within, make_person, monkeypatch):
    person = make_person()

    def add():
        peer = Peer(node_id="node-cork", name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        for number in range(2):
            visit = Visit(
                uid=str(uuid.uuid4()),
                role=VisitRole.HOME,
                peer=peer,
                state=VisitState.COMPLETED,
                desk_uid=str(uuid.uuid4()),
                starts_on=date(2026, 11, 2),
                ends_on=date(2026, 11, 2),
                person_id=person.id,
                company_ref=f"c-{number:04d}",
            )
            session.add(visit)
            session.add(
                Survey(
                    uid=str(uuid.uuid4()),
                    token=uuid.uuid4().hex,
                    visit=visit,
                    person_id=person.id,
                    stage=Stage.FIRST,
                    due_at=utcnow() - timedelta(hours=1),
                )
            )
        session.commit()
        return session.scalars(select(Survey.id).order_by(Survey.id)).all()

    broken, fine = within(add)
    real_mail = followup._mail

    def mail(survey, reminder):
        if survey.id == broken:
            raise OverflowError("date value out of range")
        return real_mail(survey, reminder)

    monkeypatch.setattr(followup, "_mail", mail)
    assert within(followup.send_due) == 1
    surveys = {row.id: row for row in within(lambda: session.scalars(select(Survey)).all())}
    assert surveys[fine].sent_at is not None
    assert surveys[broken].sent_at is None and surveys[broken].due_at > utcnow() + timedelta(hours=23)
