"""Follow-up surveys and what they show.

When one of our members' visits is completed, two surveys are scheduled (``FOLLOWUP_FIRST_DAYS``
and ``FOLLOWUP_SECOND_DAYS`` after); the worker e-mails each when due, with a personal link, and
reminds (``FOLLOWUP_REMINDERS`` times, every ``FOLLOWUP_REMINDER_DAYS``) while it is unanswered.
An answer is kept here and shared, without the person's name, with the visit's host and with the
coordinator (through the outbox); a case study travels only with the text and company name the
visitor approved. The outcomes give the connection data (which clusters' members met, and what
came of it) and the list of published case studies.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape as html_escape
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.attributes import set_committed_value

from roaming.db import insert_if_absent, session, utcnow
from roaming.errors import Conflict, DomainError, NotFound
from roaming.followup.models import Outcome, Stage, Survey, ValueBand
from roaming.followup.schemas import AnswerSchema, OutcomeSchema
from roaming.i18n import LANGUAGES, written_in
from roaming.identity.operations import node_id
from roaming.ledger.models import Book
from roaming.ledger.reporting import coordinator_peer
from roaming.members.models import Person
from roaming.notify import Message, Recipient
from roaming.notify.operations import queue
from roaming.peers.delivery import enqueue
from roaming.peers.models import Peer
from roaming.visits.models import Visit, VisitRole

OUTCOMES_PATH = "/federation/followup/outcomes"


# -- home side: surveys ----------------------------------------------------------------------------


def schedule(visit: Visit) -> None:
    """Plan both surveys for a completed visit of one of our members (once per visit)."""
    if visit.role is not VisitRole.HOME or visit.person_id is None:
        return
    config, now = current_app.config, utcnow()
    for stage, days in ((Stage.FIRST, config["FOLLOWUP_FIRST_DAYS"]), (Stage.SECOND, config["FOLLOWUP_SECOND_DAYS"])):
        insert_if_absent(
            Survey,
            uid=str(uuid.uuid4()),
            token=secrets.token_urlsafe(24),
            visit_id=visit.id,
            person_id=visit.person_id,
            stage=stage,
            due_at=now + timedelta(days=days),
            reminders_sent=0,
        )


def send_due(now: datetime | None = None) -> int:
    """Send due surveys and due reminders; returns how many e-mails were queued. A survey whose
    e-mail cannot be made is logged and tried again a day later; it never stops the others."""
    now, sent = now or utcnow(), 0
    due = select(Survey.id).where(Survey.sent_at.is_(None), Survey.due_at <= now, Survey.person_id.is_not(None))
    for survey_id in session.scalars(due).all():
        sent += _send_one(survey_id, now, reminder=False)
    remind = select(Survey.id).where(
        Survey.answered_at.is_(None), Survey.next_reminder_at <= now, Survey.person_id.is_not(None)
    )
    for survey_id in session.scalars(remind).all():
        sent += _send_one(survey_id, now, reminder=True)
    return sent


def _send_one(survey_id: int, now: datetime, reminder: bool) -> int:
    """Commits each survey on its own (a worker job)."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return 0
    try:
        if reminder:
            survey.reminders_sent += 1
            survey.next_reminder_at = _next_reminder(now, survey.reminders_sent)
        else:
            survey.sent_at = now
            survey.next_reminder_at = _next_reminder(now, 0)
        sent = _mail(survey, reminder)
        session.commit()
        return sent
    except Exception:  # noqa: BLE001 - this survey's failure only: postponed a day, logged
        session.rollback()
        current_app.logger.exception("Follow-up survey %s could not be sent; trying again in a day", survey_id)
        later = now + timedelta(days=1)
        values = {"next_reminder_at": later} if reminder else {"due_at": later}
        session.execute(update(Survey).where(Survey.id == survey_id).values(**values))
        session.commit()
        return 0


def _next_reminder(now: datetime, reminders_sent: int) -> datetime | None:
    config = current_app.config
    if reminders_sent >= config["FOLLOWUP_REMINDERS"]:
        return None
    return now + timedelta(days=config["FOLLOWUP_REMINDER_DAYS"])


# gettext messages (roaming/translations), made in the visitor's language: the survey, its reminder.
SUBJECTS = (_l("How was your visit to %(host)s?"), _l("Reminder: how was your visit to %(host)s?"))
INVITATION = _l(
    "Two minutes, five questions: was it useful, whom did you meet, what came of it? Your answers help "
    "%(home)s and %(host)s keep the agreement worthwhile."
)


def _mail(survey: Survey, reminder: bool) -> int:
    person = session.get(Person, survey.person_id)
    if person is None:
        return 0
    language = person.language if person.language in LANGUAGES else "en"
    host, home = survey.visit.peer.name, current_app.config["NODE_NAME"]
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/followup/{survey.token}"
    with written_in(language):
        subject = SUBJECTS[reminder] % {"host": host}
        invitation = INVITATION % {"home": home, "host": host}
    queue(
        Recipient(person.email, person.name, language),
        Message(
            kind=f"followup.{survey.stage.value}" + (".reminder" if reminder else ""),
            subject=subject,
            text=f"{invitation}\n\n{link}",
            html=f'<p>{html_escape(invitation)}</p><p><a href="{html_escape(link)}">{html_escape(link)}</a></p>',
        ),
    )
    return 1


def survey_by_token(token: str) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.token == token))
    if survey is None or survey.person_id is None:
        raise NotFound("This survey link is not valid.")
    return survey


def my_surveys(person_id: int | None) -> list[Survey]:
    if person_id is None:
        return []
    query = select(Survey).where(Survey.person_id == person_id, Survey.sent_at.is_not(None))
    return list(session.scalars(query.order_by(Survey.id)))


def answer(survey: Survey, data: dict) -> Survey:
    """Record the answers (once) and share them with the host and the coordinator."""
    if survey.answered_at is not None:
        raise Conflict("This survey was answered already. Thank you!")
    if survey.sent_at is None:
        raise Conflict("This survey is not open yet.")
    person = session.get(Person, survey.person_id)
    if person is None:
        raise DomainError("The person this survey was for has been erased.")
    answered_at, answers = utcnow(), AnswerSchema().dump(data)
    won = session.execute(  # of two answers at once, one is kept: the other is told it came second
        update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None))
        .values(answered_at=answered_at, answers=answers)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, won).rowcount != 1:
        raise Conflict("This survey was answered already. Thank you!")
    set_committed_value(survey, "answered_at", answered_at)
    set_committed_value(survey, "answers", answers)
    shared = outcome_document(survey, person)
    record(Book.NODE, shared)
    peer = survey.visit.peer
    enqueue(peer, OUTCOMES_PATH, {"outcome": shared})
    if current_app.config["COORDINATOR_ENABLED"]:
        record(Book.FEDERATION, shared)
    else:
        coordinator = coordinator_peer()
        if coordinator is not None and coordinator.id != peer.id:
            enqueue(coordinator, OUTCOMES_PATH, {"outcome": shared})
    session.flush()
    return survey


def outcome_document(survey: Survey, person: Person) -> dict:
    answers = survey.answers
    published = answers.get("publish_case_study")
    return {
        "survey_id": survey.uid,
        "visit_id": survey.visit.uid,
        "home": node_id(),
        "host": survey.visit.peer.node_id,
        "stage": survey.stage.value,
        "useful": answers["useful"],
        "new_contacts": answers["new_contacts"],
        "orders": answers["orders"],
        "contracts": answers["contracts"],
        "case_study": answers["case_study"] if published else None,
        "case_study_company": person.company.name if published else None,
        "answered_at": survey.answered_at.isoformat(),
    }


# -- outcomes: host, coordinator -------------------------------------------------------------------


def receive(sender: Peer, data: dict) -> None:
    """An outcome from the visitor's home node: kept in our book if we hosted the visit, in the
    federation's if we are the coordinator. Only the home node of the visit may send it."""
    outcome = OutcomeSchema().load(data)
    if outcome["home"] != sender.node_id:
        raise DomainError("Only the visitor's home cluster shares a follow-up answer.")
    me, kept = node_id(), False
    if outcome["host"] == me:
        visit = session.scalar(select(Visit).where(Visit.uid == outcome["visit_id"], Visit.role == VisitRole.HOST))
        if visit is None or visit.peer_id != sender.id:
            raise NotFound(f"No visit {outcome['visit_id']} of {sender.name}'s members at this host.")
        record(Book.NODE, OutcomeSchema().dump(outcome))
        kept = True
    if current_app.config["COORDINATOR_ENABLED"]:
        record(Book.FEDERATION, OutcomeSchema().dump(outcome))
        kept = True
    if not kept:
        raise DomainError("This node neither hosted that visit nor coordinates the federation.")


def record(book: Book, doc: dict) -> bool:
    return insert_if_absent(
        Outcome,
        book=book,
        survey_uid=doc["survey_id"],
        visit_uid=doc["visit_id"],
        home=doc["home"],
        host=doc["host"],
        stage=Stage(doc["stage"]),
        useful=doc["useful"],
        new_contacts=doc["new_contacts"],
        orders=ValueBand(doc["orders"]),
        contracts=ValueBand(doc["contracts"]),
        case_study=doc["case_study"],
        case_study_company=doc["case_study_company"],
        answered_at=datetime.fromisoformat(doc["answered_at"]),
        recorded_at=utcnow(),
    )


def connections(book: Book) -> list[dict]:
    """Per pair of clusters (home -> host): visits followed up, how many found it useful, new
    contacts, and answers reporting orders or contracts (by value band)."""
    table: dict[tuple[str, str], dict] = {}
    for outcome in session.scalars(select(Outcome).where(Outcome.book == book).order_by(Outcome.id)):
        row = table.setdefault(
            (outcome.home, outcome.host),
            {
                "home": outcome.home,
                "host": outcome.host,
                "visits": set(),
                "answers": 0,
                "useful": 0,
                "new_contacts": 0,
                "orders": {},
                "contracts": {},
                "case_studies": 0,
            },
        )
        row["visits"].add(outcome.visit_uid)
        row["answers"] += 1
        row["useful"] += outcome.useful
        row["new_contacts"] += outcome.new_contacts
        for name in ("orders", "contracts"):
            band = getattr(outcome, name)
            if band is not ValueBand.NONE:
                row[name][band.value] = row[name].get(band.value, 0) + 1
        row["case_studies"] += outcome.case_study is not None
    return [row | {"visits": len(row["visits"])} for row in table.values()]


def case_studies(book: Book) -> list[Outcome]:
    query = select(Outcome).where(Outcome.book == book, Outcome.case_study.is_not(None))
    return list(session.scalars(query.order_by(Outcome.answered_at.desc())))
