"""A survey is answered once, also when two answers arrive at the same instant: one is kept, the
other is told it came second, and the node's own book keeps the same answer as the survey."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from roaming.db import session, utcnow
from roaming.errors import Conflict
from roaming.followup import operations as followup
from roaming.followup.models import Outcome, Stage, Survey
from roaming.followup.schemas import AnswerSchema
from roaming.peers.models import Peer
from roaming.visits.models import VisitState
from tests.support.races import at_once
from tests.support.visits import home_visit_row

pytestmark = pytest.mark.each_database


@pytest.fixture
def open_survey(within, home_peer, make_person):
    peer, _key = home_peer
    person = make_person()

    def add():
        visit = home_visit_row(
            session.get(Peer, peer.id), date(2030, 1, 7), state=VisitState.COMPLETED, person_id=person.id
        )
        session.add(visit)
        session.flush()
        survey = Survey(
            uid=str(uuid.uuid4()),
            token=secrets.token_urlsafe(24),
            visit_id=visit.id,
            person_id=person.id,
            stage=Stage.FIRST,
            due_at=utcnow() - timedelta(days=1),
            sent_at=utcnow(),
        )
        session.add(survey)
        session.flush()
        return survey.id

    return within(add)


def test_two_answers_at_once_keep_one(within, open_survey):
    def answer(contacts):
        def run():
            try:
                followup.answer(session.get(Survey, open_survey), _answers(contacts))
            except Conflict as refused:
                return refused.message
            return "kept"

        return lambda: within(run)

    outcomes = at_once(answer(1), answer(7))
    assert sorted(outcomes).count("kept") == 1, outcomes
    assert "answered already" in next(outcome for outcome in outcomes if outcome != "kept")

    def kept():
        survey = session.get(Survey, open_survey)
        book = session.scalars(select(Outcome.new_contacts).where(Outcome.survey_uid == survey.uid)).all()
        return survey.answers["new_contacts"], book

    contacts, book = within(kept)
    assert book == [contacts]  # the survey and the node's own book agree


def _answers(contacts: int) -> dict:
    return AnswerSchema().load({"useful": True, "new_contacts": contacts, "orders": "none", "contracts": "none"})
