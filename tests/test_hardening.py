"""A node on the internet: proxies trusted only when configured (and signatures verifying behind a
TLS-terminating one), security headers, production cookies, rate limits, request ids."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from flask import request

from federation.signing import sign_request
from roaming import create_app, logs
from roaming.accounts.models import Role
from roaming.db import engine_for
from roaming.logs import JsonFormatter, RequestIdFilter
from roaming.peers.models import MirroredItem
from tests.support.nodes import running_node, wait_for
from tests.support.proxy import TlsReverseProxy

pytestmark = pytest.mark.one_database(reason="headers, proxies and limits of the HTTP layer")

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bra.example.org", "X-Forwarded-For": "203.0.113.9"}


@pytest.fixture
def make_app(instance_path):
    apps = []

    def make(**config):
        app = create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "test", "TESTING": True, **config})
        app.add_url_rule("/echo", "echo", lambda: {"url": request.url, "client": request.remote_addr})
        apps.append(app)
        return app

    yield make
    for app in apps:
        engine_for(app).dispose()


def test_forwarded_headers_count_only_from_configured_proxies(make_app):
    client = make_app(TRUSTED_PROXIES=["10.0.0.0/8"]).test_client()
    proxied = client.get("/echo", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.1.2.3"}).json
    assert proxied == {"url": "https://bra.example.org/echo", "client": "203.0.113.9"}
    direct = client.get("/echo", headers=FORWARDED, environ_base={"REMOTE_ADDR": "198.51.100.7"}).json
    assert direct == {"url": "http://localhost/echo", "client": "198.51.100.7"}
    unconfigured = make_app().test_client()
    assert unconfigured.get("/echo", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.1.2.3"}).json == {
        "url": "http://localhost/echo",
        "client": "10.1.2.3",
    }


def test_a_bad_proxy_setting_stops_start_up(instance_path):
    with pytest.raises(RuntimeError, match="trusted_proxies: 'the proxy' does not appear to be an IPv4 or IPv6"):
        create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "x", "TRUSTED_PROXIES": ["the proxy"]})


def test_every_answer_carries_the_security_headers(make_app):
    client = make_app(TRUSTED_PROXIES=["127.0.0.1"]).test_client()
    for path in ("/", "/login", "/api/openapi.json", "/nothing-here"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self';" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain HTTP
    assert "'unsafe-inline'" in client.get("/api/docs").headers["Content-Security-Policy"]  # the API explorer
    secure = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_on_https_the_session_cookie_is_host_only_and_secure(make_app, make_user):
    app = make_app(BASE_URL="https://bra.example.org")
    user = make_user(role=Role.HOST_STAFF)
    answer = app.test_client().post(
        "/api/auth/login", json={"email": user.email, "password": "correct horse battery"}, base_url="https://localhost"
    )
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-roaming_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_failed_log_ins_are_limited_per_address_and_successful_ones_are_not(make_app, make_user):
    app = make_app(LOGIN_RATE_LIMIT="5 per minute")
    user = make_user(role=Role.HOST_STAFF)

    def log_in(password, **options):  # a fresh browser each time, from the same address unless told
        return app.test_client().post("/api/auth/login", json={"email": user.email, "password": password}, **options)

    assert all(log_in("correct horse battery").status_code == 200 for _ in range(8))
    assert all(log_in("guess").status_code == 401 for _ in range(5))
    limited = log_in("correct horse battery")
    assert limited.status_code == 429 and "Too many failed log-ins" in limited.json["message"], limited.json
    assert int(limited.headers["Retry-After"]) > 0
    page = app.test_client().post("/login", data={"email": user.email, "password": "guess"})
    assert page.status_code == 429  # the log-in page shares the count
    assert log_in("correct horse battery", environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code == 200


def test_federation_requests_are_limited_per_address(make_app):
    client = make_app(FEDERATION_RATE_LIMIT="3 per minute").test_client()
    answers = [client.post("/federation/notices", json={}).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]  # unsigned: refused, and counted all the same
    assert client.get("/api/openapi.json").status_code == 200  # other endpoints are not limited


def test_request_ids_are_kept_when_plain_and_routes_are_logged_without_tokens(make_app, caplog):
    client = make_app().test_client()
    with caplog.at_level(logging.INFO, logger="roaming.access"):
        kept = client.get("/checkin/secret-token-123", headers={"X-Request-Id": "proxy-4f1c2a9e"})
        replaced = client.get("/", headers={"X-Request-Id": "forged] INFO roaming [x"})
    assert kept.headers["X-Request-Id"] == "proxy-4f1c2a9e"
    assert len(replaced.headers["X-Request-Id"]) == 32 and "forged" not in replaced.headers["X-Request-Id"]
    lines = [record.getMessage() for record in caplog.records if record.name == "roaming.access"]
    assert lines[0].startswith("GET /checkin/<token> 404")
    assert "secret-token-123" not in caplog.text and "forged" not in caplog.text


def test_json_log_lines_carry_the_request_id_and_extra_fields():
    record = logging.makeLogRecord({"name": "roaming.access", "levelname": "INFO", "msg": "GET / 200", "status": 200})
    with logs.request_id("job-1a2b3c4d"):
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET / 200" and line["request_id"] == "job-1a2b3c4d" and line["status"] == 200
    assert line["level"] == "INFO" and line["logger"] == "roaming.access" and line["time"].endswith("+00:00")


def test_a_node_behind_a_tls_proxy_on_another_host_still_verifies_signatures(tmp_path, monkeypatch):
    """Cork's public address is https://localhost:<proxy>, its server plain HTTP on 127.0.0.1:
    Karlsruhe signs for the public URL, the proxy forwards, Cork (trusting its proxy) verifies,
    and Cork's signed answers verify at Karlsruhe."""
    with TlsReverseProxy(tmp_path) as proxy:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(proxy.ca_file))  # for the nodes and commands started here
        manual = {"worker_in_process": False}
        with (
            running_node(tmp_path, "CyberForum", "DE", **manual) as karlsruhe,
            running_node(
                tmp_path, "it@cork", "IE", base_url=proxy.url, trusted_proxies=["127.0.0.1"], **manual
            ) as cork,
        ):
            proxy.backend = cork.url
            added = karlsruhe.cli("peers", "add", proxy.url, "--fingerprint", cork.key_id)
            assert added.returncode == 0, added.stderr
            assert cork.cli("peers", "add", karlsruhe.url, "--fingerprint", karlsruhe.key_id).returncode == 0

            synced = karlsruhe.cli("sync")  # a signed GET through the proxy, answered signed
            assert synced.returncode == 0 and "it@cork: 1 change(s)" in synced.stdout, synced.stdout + synced.stderr
            with karlsruhe.app_context():
                from roaming.db import session

                assert session.query(MirroredItem).count() == 1  # Cork's profile
            assert proxy.forwarded >= 2

            url = f"{proxy.url}/federation/catalogue/changes?since=0&limit=1"
            key = karlsruhe.signing_key()
            headers = sign_request(
                "GET", url, {"X-Request-Id": "trace-through-proxy-1"}, None, key.key.private_key, key.key_id
            )
            answer = requests.get(url, headers=headers, timeout=10)
            assert answer.status_code == 200 and answer.headers["X-Request-Id"] == "trace-through-proxy-1"
            replayed = requests.get(url, headers=headers, timeout=10)
            assert replayed.status_code == 401  # the replay cache works behind the proxy too
            wrong_host = f"https://127.0.0.1:{proxy.port}/federation/catalogue/changes?since=0&limit=1"
            signed_for_backend = sign_request("GET", wrong_host, {}, None, key.key.private_key, key.key_id)
            assert requests.get(url, headers=signed_for_backend, timeout=10).status_code == 401

            def logged():
                """Cork's access log shows the request id the caller sent"""
                return (
                    "[trace-through-proxy-1] GET /federation/catalogue/changes 200"
                    in (cork.instance / "node.log").read_text()
                )

            wait_for(logged, timeout=5)
