"""Schemathesis against /api/openapi.json: generated requests to every operation, as an admin,
give no server error and every answer matches the documented schema (status, content type,
body, headers). Schemathesis's checks that a schema-valid body is accepted and an invalid one
refused are left out: business rules beyond the schema (an ISO country code, an event ending
after it starts, a last free seat) are rightly answered 409 or 422. (Its pytest plugin does not
run on pytest 9.2, so the operations are driven through its Python API and Hypothesis.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from roaming.accounts.models import Role

pytestmark = pytest.mark.each_database

EXAMPLES_PER_OPERATION = 20
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def admin(make_user, bearer):
    return bearer(make_user(role=Role.ADMIN))


@pytest.fixture
def catalogue(make_profile, make_desk, make_room, make_service, make_event, make_person, make_user):
    """Something of every kind, so answers with data are checked, not only empty lists."""
    make_profile()
    make_desk(), make_room(), make_service(), make_event()
    make_user(role=Role.MEMBER, person=make_person())


def test_api_answers_match_the_schema(app, admin, catalogue):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=admin, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # report every operation's failure, not only the first
            failures[operation.label] = str(error)[:2000]
    assert len(operations) > 40
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
