"""Member companies and people: round trips and who sees what."""

from __future__ import annotations

import pytest

from roaming.accounts.models import Role

pytestmark = pytest.mark.each_database


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user(role=Role.HOST_STAFF))


def test_company_and_people_round_trip(client, staff):
    company = client.post(
        "/api/members/companies",
        json={
            "name": "Shandon Analytics",
            "country": "ie",
            "sector": "Digital industries",
            "website": "https://shandon.example",
        },
        headers=staff,
    )
    assert company.status_code == 201, company.json
    company_id = company.json["id"]
    assert company.json["country"] == "IE" and company.json["status"] == "active"

    person = client.post(
        f"/api/members/companies/{company_id}/people",
        json={"name": "Aoife Murphy", "email": "Aoife@Shandon.example", "role": "Founder"},
        headers=staff,
    )
    assert person.status_code == 201, person.json
    assert person.json["email"] == "aoife@shandon.example"
    person_id = person.json["id"]

    assert client.get(f"/api/members/companies/{company_id}", headers=staff).json["people_count"] == 1
    assert client.get(f"/api/members/companies/{company_id}/people", headers=staff).json[0]["id"] == person_id
    suspended = client.patch(f"/api/members/companies/{company_id}", json={"status": "suspended"}, headers=staff)
    assert suspended.json["status"] == "suspended"
    renamed = client.patch(f"/api/members/people/{person_id}", json={"role": "CEO"}, headers=staff)
    assert renamed.json["role"] == "CEO"

    assert client.delete(f"/api/members/companies/{company_id}", headers=staff).status_code == 204
    assert client.get(f"/api/members/people/{person_id}", headers=staff).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "country": "Germany"}, "country"),
        ({"name": "X", "country": "DE", "sector": "Nonsense"}, "sector"),
        ({"name": "X", "country": "DE", "website": "not a url"}, "website"),
        ({"name": "X", "country": "DE", "status": "gone"}, "status"),
        ({"country": "DE"}, "name"),
    ],
)
def test_company_validation(client, staff, payload, field):
    response = client.post("/api/members/companies", json=payload, headers=staff)
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_person_email_must_be_valid_and_unique(client, staff, make_person):
    existing = make_person()
    target = f"/api/members/companies/{existing.company_id}/people"
    bad = client.post(target, json={"name": "A", "email": "nope"}, headers=staff)
    assert "email" in bad.json["errors"]["json"]
    taken = client.post(target, json={"name": "A", "email": existing.email}, headers=staff)
    assert taken.status_code == 422 and "already registered" in str(taken.json["errors"])


def test_member_sees_only_their_own_company(client, make_company, make_person, make_user, bearer):
    mine, other = make_company(name="Mine"), make_company(name="Other")
    me = bearer(make_user(role=Role.MEMBER, person=make_person(company=mine)))
    stranger = make_person(company=other)

    assert [c["name"] for c in client.get("/api/members/companies", headers=me).json] == ["Mine"]
    assert client.get(f"/api/members/companies/{mine.id}/people", headers=me).status_code == 200
    assert client.get(f"/api/members/companies/{other.id}", headers=me).status_code == 403
    assert client.get(f"/api/members/companies/{other.id}/people", headers=me).status_code == 403
    assert client.get(f"/api/members/people/{stranger.id}", headers=me).status_code == 403
    assert client.patch(f"/api/members/companies/{mine.id}", json={"name": "X"}, headers=me).status_code == 403
    assert client.post("/api/members/companies", json={"name": "X", "country": "DE"}, headers=me).status_code == 403
