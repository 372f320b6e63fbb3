"""Single sign-on against a cluster's OpenID Connect provider (a real local one)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from roaming import create_app
from roaming.accounts.models import Role
from roaming.db import engine_for, session
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider

pytestmark = pytest.mark.one_database(
    reason="the OpenID Connect exchange; accounts are stored as in accounts/test_api.py"
)


@pytest.fixture
def provider():
    with LocalProvider() as running:
        yield running


@pytest.fixture
def sso_app(instance_path, provider):
    app = create_app(
        {
            "INSTANCE_PATH": instance_path,
            "SECRET_KEY": "test",
            "TESTING": True,
            "BASE_URL": "http://127.0.0.1:5000",
            "OIDC_ENABLED": True,
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
    )
    yield app
    engine_for(app).dispose()


def _sign_in(client):
    """Follow the redirects through the provider, as a browser would."""
    start = client.get("/auth/oidc/login")
    assert start.status_code == 302
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_verified_email_of_an_existing_account_logs_in(sso_app, provider):
    from roaming.accounts.operations import create_user

    with sso_app.app_context():
        create_user(email="staff@cluster.example", name="Staff", role=Role.HOST_STAFF)  # no password: SSO only
        session.commit()
    provider.identity["email"] = "Staff@Cluster.example"
    client = sso_app.test_client()
    assert b"Sign in with your cluster account" in client.get("/login").data

    finished = _sign_in(client)
    assert finished.status_code == 302 and finished.headers["Location"] == "/staff"  # staff land on their dashboard
    assert client.get("/api/me").json["email"] == "staff@cluster.example"


def test_unknown_or_unverified_identities_are_refused(sso_app, provider):
    provider.identity["email"] = "stranger@elsewhere.example"
    refused = _sign_in(sso_app.test_client())
    assert refused.status_code == 403 and "No active account" in refused.json["message"]

    provider.identity.update(email="staff@cluster.example", email_verified=False)
    unverified = _sign_in(sso_app.test_client())
    assert unverified.status_code == 403 and "did not confirm" in unverified.json["message"]


def test_half_configured_sso_stops_start_up(instance_path):
    with pytest.raises(RuntimeError, match="OIDC_CLIENT_ID"):
        create_app(
            {
                "INSTANCE_PATH": instance_path,
                "SECRET_KEY": "x",
                "OIDC_ENABLED": True,
                "OIDC_ISSUER": "http://127.0.0.1:1",
            }
        )
