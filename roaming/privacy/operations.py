"""Personal data: export, erasure, retention, and the audit trail.

Export gives a person everything this node holds about them. Erasure removes the person, their
login and calendar feed, the e-mails queued to them, their name from every visit, registration and
survey, and withdraws their case studies; the partner clusters that hosted them and the
coordinator are told to do the same (through the outbox). What remains are the ledger's receipts
and the survey figures, which name nobody. Hosts wipe visitor details by themselves
``VISITOR_RETENTION_DAYS`` after a visit or event. Reads and changes of personal data by staff,
and every export and erasure, are recorded in the audit trail.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from roaming.accounts.models import User
from roaming.audit.operations import audit, audit_trail
from roaming.db import session, utcnow
from roaming.errors import DomainError, NotFound
from roaming.events.models import Registration
from roaming.followup.models import Outcome, Survey
from roaming.ledger.reporting import coordinator_peer
from roaming.members.models import Person
from roaming.notify.models import Notification
from roaming.peers.delivery import enqueue
from roaming.peers.models import Peer
from roaming.visits.models import CalendarFeed, Visit, VisitRole

ERASURES_PATH = "/federation/privacy/erasures"
ERASED = {"erased": True}


# -- export --------------------------------------------------------------------------------------


def get_person(person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person with id {person_id}.")
    return person


def export_account(user: User) -> dict:
    """What a staff account without a member person holds: the account itself."""
    return {"exported_at": utcnow().isoformat(timespec="seconds"), "node": current_app.config["NODE_NAME"]} | {
        "account": _account(user)
    }


def _account(user: User | None) -> dict | None:
    if user is None:
        return None
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "api_tokens": [token.name for token in user.tokens],
    }


def export(person: Person) -> dict:
    """Everything this node holds about ``person``, as one JSON document."""
    audit("person.export", f"person:{person.id}")
    user = session.scalar(select(User).where(User.person_id == person.id))
    visits = session.scalars(select(Visit).where(Visit.person_id == person.id).order_by(Visit.id)).all()
    registrations = session.scalars(select(Registration).where(Registration.person_id == person.id)).all()
    surveys = session.scalars(select(Survey).where(Survey.person_id == person.id)).all()
    mails = session.scalars(select(Notification).where(Notification.recipient_email == person.email)).all()
    trail = audit_trail(f"person:{person.id}")
    session.flush()
    return {
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "node": current_app.config["NODE_NAME"],
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "role": person.role,
            "language": person.language,
            "created_at": person.created_at.isoformat(),
        },
        "company": {"name": person.company.name, "country": person.company.country},
        "account": _account(user),
        "calendar_feed": session.scalar(select(CalendarFeed.id).where(CalendarFeed.person_id == person.id)) is not None,
        "visits": [
            {
                "visit_id": visit.uid,
                "host": visit.peer.name,
                "state": visit.state.value,
                "first_day": visit.starts_on.isoformat(),
                "last_day": visit.ends_on.isoformat(),
                "message": visit.message,
                "shared_with_host": visit.visitor,
                "history": visit.history,
            }
            for visit in visits
        ],
        "event_registrations": [
            {"registration_id": r.uid, "host": r.peer.name, "event": r.event, "state": r.state.value}
            for r in registrations
        ],
        "surveys": [
            {"stage": survey.stage.value, "visit_id": survey.visit.uid, "answers": survey.answers} for survey in surveys
        ],
        "emails": [
            {"subject": mail.subject, "kind": mail.kind, "queued_at": mail.created_at.isoformat()} for mail in mails
        ],
        "audit": [{"at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action} for entry in trail],
    }


# -- erasure -------------------------------------------------------------------------------------


def erase(person: Person) -> dict:
    """Erase ``person`` here and ask the partners involved to erase them too; returns what was done."""
    visits = session.scalars(select(Visit).where(Visit.person_id == person.id)).all()
    registrations = session.scalars(select(Registration).where(Registration.person_id == person.id)).all()
    surveys = session.scalars(select(Survey).where(Survey.person_id == person.id)).all()
    by_peer: dict[int, dict] = {}
    for visit in visits:
        visit.visitor, visit.message, visit.person_id = ERASED, "", None
        by_peer.setdefault(visit.peer_id, {"visits": [], "registrations": []})["visits"].append(visit.uid)
    for registration in registrations:
        registration.visitor, registration.person_id = ERASED, None
        by_peer.setdefault(registration.peer_id, {"visits": [], "registrations": []})["registrations"].append(
            registration.uid
        )
    survey_ids = [survey.uid for survey in surveys]
    for survey in surveys:
        if survey.answers:
            survey.answers = {**survey.answers, "comment": "", "case_study": "", "publish_case_study": False}
        survey.person_id = None
    _withdraw_case_studies(survey_ids)
    mails = session.execute(delete(Notification).where(Notification.recipient_email == person.email)).rowcount
    for peer_id, subjects in by_peer.items():
        enqueue(session.get(Peer, peer_id), ERASURES_PATH, {**subjects, "surveys": survey_ids})
    coordinator = coordinator_peer()
    if survey_ids and coordinator is not None and coordinator.id not in by_peer:
        enqueue(coordinator, ERASURES_PATH, {"visits": [], "registrations": [], "surveys": survey_ids})
    audit("person.erase", f"person:{person.id}", visits=len(visits), registrations=len(registrations))
    session.execute(delete(User).where(User.person_id == person.id))
    session.delete(person)
    session.flush()
    return {
        "visits_anonymised": len(visits),
        "registrations_anonymised": len(registrations),
        "surveys_anonymised": len(surveys),
        "emails_deleted": mails,
        "partners_told": len(by_peer),
    }


def erase_for_peer(peer: Peer, data: dict) -> int:
    """A partner erased one of its members: wipe what we hold of them as host (their visits and
    registrations with us) and their case studies. Returns how many rows were wiped."""
    wiped = 0
    for visit in session.scalars(select(Visit).where(Visit.uid.in_(data.get("visits", [])))).all():
        if visit.role is not VisitRole.HOST or visit.peer_id != peer.id:
            raise DomainError(f"Visit {visit.uid} is not one of {peer.name}'s members' visits here.")
        visit.visitor, visit.message, visit.checkin_token = _keep_company(visit.visitor), "", None
        wiped += 1
    for registration in session.scalars(
        select(Registration).where(Registration.uid.in_(data.get("registrations", [])))
    ).all():
        if registration.role is not VisitRole.HOST or registration.peer_id != peer.id:
            raise DomainError(f"Registration {registration.uid} is not one of {peer.name}'s members' here.")
        registration.visitor = _keep_company(registration.visitor)
        wiped += 1
    wiped += _withdraw_case_studies(data.get("surveys", []), home=peer.node_id)
    audit("person.erase", f"peer:{peer.node_id}", visits=len(data.get("visits", [])))
    return wiped


def _withdraw_case_studies(survey_ids: list[str], home: str | None = None) -> int:
    if not survey_ids:
        return 0
    statement = update(Outcome).where(Outcome.survey_uid.in_(survey_ids))
    if home is not None:
        statement = statement.where(Outcome.home == home)
    return session.execute(statement.values(case_study=None, case_study_company=None)).rowcount


def _keep_company(visitor: dict) -> dict:
    """What is left of a visitor after erasure: the company (a business, not a person)."""
    return {**ERASED, "company": {k: v for k, v in visitor.get("company", {}).items() if k in ("name", "country")}}


# -- retention -----------------------------------------------------------------------------------


def apply_retention(now=None) -> int:
    """Host side: wipe visitor details of visits and event registrations that ended more than
    ``VISITOR_RETENTION_DAYS`` ago; returns how many were wiped. Commits (a worker job)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["VISITOR_RETENTION_DAYS"])
    wiped = 0
    old_visits = select(Visit).where(Visit.role == VisitRole.HOST, Visit.ends_on < cutoff.date())
    for visit in session.scalars(old_visits).all():
        if not visit.visitor.get("erased"):
            visit.visitor, visit.message, visit.checkin_token = _keep_company(visit.visitor), "", None
            wiped += 1
    for registration in session.scalars(select(Registration).where(Registration.role == VisitRole.HOST)).all():
        ended = registration.event.get("ends_at")
        if ended and ended < cutoff.isoformat() and not registration.visitor.get("erased"):
            registration.visitor = _keep_company(registration.visitor)
            wiped += 1
    if wiped:
        audit("retention.apply", "visitors", wiped=wiped)
    session.commit()
    return wiped
