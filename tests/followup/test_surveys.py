"""Follow-up surveys on two real nodes with the clock moved forward: the first survey some days
after a completed visit, a reminder when unanswered, the second months later; the answer reaches
the host; bad answers are refused by field; the survey page works from its personal link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from roaming.db import session, utcnow
from roaming.followup import operations as followup
from roaming.followup.models import Survey
from tests.support.nodes import wait_for
from tests.support.visits import (
    add_desk,
    add_member,
    add_staff,
    body_text,
    check_in_days,
    complete_due,
    home_and_host,
    mails_to,
    next_monday,
    plan,
)

pytestmark = pytest.mark.each_database

TIMEOUT = 30
EMAIL = "lea@datenwerk.example"


@pytest.fixture(scope="module")
def completed(tmp_path_factory):
    with home_and_host(tmp_path_factory.mktemp("followup")) as (home, host):
        visitor, _ = add_member(home, EMAIL, language="de")
        staff = add_staff(host)
        desk = add_desk(host)
        monday = next_monday()
        uid = requests.post(f"{home.url}/api/visits", json=plan(host, desk, monday), headers=visitor, timeout=TIMEOUT)
        uid = uid.json()["visit_id"]
        requests.post(f"{host.url}/api/visits/{uid}/approve", headers=staff, timeout=TIMEOUT).raise_for_status()
        check_in_days(host, uid, [monday])
        assert complete_due(host, monday + timedelta(days=1)) == 1

        def surveys_planned():
            """the home node planned both surveys when the visit completed"""
            with home.app_context():
                return len(session.scalars(select(Survey)).all()) == 2

        wait_for(surveys_planned)
        yield home, host, visitor, staff


def _send_due(node, days):
    with node.app_context():
        return followup.send_due(now=utcnow() + timedelta(days=days))


def test_surveys_and_reminders_go_out_on_schedule(completed):
    home, _host, visitor, _staff = completed
    assert _send_due(home, 3) == 0  # too early
    assert _send_due(home, 8) == 1  # the first survey (default: 7 days after)
    assert _send_due(home, 9) == 0  # sent once
    assert _send_due(home, 16) == 1  # one reminder after 7 more days
    assert _send_due(home, 40) == 0  # and no more

    def survey_mails():
        """the survey and its reminder were e-mailed, in the visitor's language"""
        subjects = [m["Subject"] for m in mails_to(home, EMAIL) if "Wie war" in m["Subject"]]
        return len(subjects) == 2 and subjects

    assert sorted(wait_for(survey_mails)) == [
        "Erinnerung: Wie war Ihr Besuch bei it@cork?",
        "Wie war Ihr Besuch bei it@cork?",
    ]
    mail = next(m for m in mails_to(home, EMAIL) if m["Subject"].startswith("Wie war"))
    link = next(line for line in body_text(mail).splitlines() if "/followup/" in line)
    page = requests.get(link.strip(), timeout=TIMEOUT)
    assert page.status_code == 200 and "Was the visit useful?" in page.text
    assert requests.get(f"{home.url}/followup/not-a-token", timeout=TIMEOUT).status_code == 404
    surveys = requests.get(f"{home.url}/api/followup/surveys", headers=visitor, timeout=TIMEOUT).json()
    assert [s["stage"] for s in surveys] == ["first"]


def test_an_answer_is_checked_by_field_kept_once_and_reaches_the_host(completed):
    home, host, visitor, staff = completed
    [survey] = requests.get(f"{home.url}/api/followup/surveys", headers=visitor, timeout=TIMEOUT).json()
    url = f"{home.url}/api/followup/surveys/{survey['survey_id']}/answer"
    bad = requests.post(
        url,
        json={
            "useful": True,
            "new_contacts": -1,
            "orders": "millions",
            "contracts": "none",
            "publish_case_study": True,
        },
        headers=visitor,
        timeout=TIMEOUT,
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]["json"]) == {"new_contacts", "orders", "case_study"}
    answer = {"useful": True, "new_contacts": 2, "orders": "none", "contracts": "under_10k", "comment": "Danke!"}
    assert requests.post(url, json=answer, headers=visitor, timeout=TIMEOUT).status_code == 200
    again = requests.post(url, json=answer, headers=visitor, timeout=TIMEOUT)
    assert again.status_code == 409

    def host_sees_the_connection():
        """the host keeps the answer (without the comment or the visitor's name)"""
        return requests.get(f"{host.url}/api/followup/connections", headers=staff, timeout=TIMEOUT).json()

    [row] = wait_for(host_sees_the_connection)
    assert row["new_contacts"] == 2 and row["contracts"] == {"under_10k": 1} and row["case_studies"] == 0
    assert requests.get(f"{host.url}/api/followup/case-studies", timeout=TIMEOUT).json() == []
    assert _send_due(home, 200) == 1  # the second survey, months later
