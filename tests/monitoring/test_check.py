"""``roaming check`` tells a node's IT person what is wrong, in plain words, without secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from roaming import create_app
from roaming.db import engine_for, session, utcnow
from roaming.instance import create_instance
from roaming.peers.models import OutboxMessage, Peer, TrustSource

pytestmark = pytest.mark.each_database


@pytest.fixture
def node(new_instance):
    return new_instance()


def check(node, *args, **environment):
    return subprocess.run(
        [sys.executable, "-m", "roaming", "check", "--offline", *args, "--instance", str(node.path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **environment},
    )


def test_a_healthy_node_passes(node):
    result = check(node)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[ok]      Migrations: the database is at the code's latest migrations" in result.stdout
    assert "0 problem(s)" in result.stdout


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    node = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    secret_file = tmp_path / "database_url"
    secret_file.write_text("postgresql+psycopg://roaming:s3cret-pw@127.0.0.1:9/roaming\n")
    result = check(node, ROAMING_DATABASE_URL_FILE=str(secret_file))
    assert result.returncode == 1
    assert "[PROBLEM] Database: postgresql+psycopg://roaming:***@127.0.0.1:9/roaming cannot be reached" in result.stdout
    assert "fix: Is the server running?" in result.stdout
    assert "s3cret-pw" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_missing_keys_and_open_permissions_are_problems(node):
    (node.path / "keys" / "current.pem").unlink()
    (node.path / "secret_key").chmod(0o644)
    result = check(node, ROAMING_BASE_URL="https://bra.example.org")
    assert result.returncode == 1
    assert "[PROBLEM] File permissions: secret_key can be read by other users (mode 644)" in result.stdout
    assert f"fix: chmod 600 {node.path / 'secret_key'}" in result.stdout
    assert "[PROBLEM] Signing key: cannot be loaded" in result.stdout
    assert "[warning] Proxies: no trusted_proxies" in result.stdout
    assert "2 problem(s), 2 warning(s)." in result.stdout  # the proxies, and no partners yet


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("base_url = ", "roaming.toml in the instance folder is not valid TOML"),
        ('trusted_proxies = ["the proxy"]', "trusted_proxies: 'the proxy' does not appear to be an IPv4 or IPv6"),
        ('log_format = "xml"', 'log_format: must be one of "text", "json", got "xml"'),
        (
            'log_level = "LOUD"',
            'log_level: must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", got "LOUD"',
        ),
        ("login_rate_limit = '10 per 5 minutos'", "login_rate_limit: must be a rate limit such as"),
        ('coordinater_url = "https://c.example"', "coordinater_url: unknown setting; did you mean coordinator_url?"),
        (
            'database_lock_wait_seconds = "thirty"',
            'database_lock_wait_seconds: must be a number > 0 and <= 86400, got "thirty"',
        ),
        ("worker_tick_seconds = 0", "worker_tick_seconds: must be a number > 0 and <= 3153600000, got 0"),
    ],
)
def test_settings_that_stop_start_up_are_named(node, line, message):
    with (node.path / "roaming.toml").open("a") as config:
        config.write(line + "\n")
    result = check(node)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"[PROBLEM] Configuration: {message}" in result.stdout
    served = subprocess.run(
        [sys.executable, "-m", "roaming", "run", "--instance", str(node.path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode == 1 and f"Error: {message}" in served.stderr and "Traceback" not in served.stderr


def test_an_unknown_variable_is_a_problem_naming_the_nearest(node):
    result = check(node, ROAMING_COORDINATER_URL="https://coordinator.example")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "[PROBLEM] Configuration: ROAMING_COORDINATER_URL: unknown setting; did you mean ROAMING_COORDINATOR_URL?"
        in result.stdout
    )


def test_a_sqlite_database_is_created_private_and_a_readable_one_is_named(tmp_path):
    """It holds password hashes and members' personal data: mode 600 from its creation."""
    created = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    database = created.path / "roaming.db"
    assert oct(database.stat().st_mode & 0o777) == oct(0o600)
    database.chmod(0o644)
    result = check(created)
    assert "[PROBLEM] File permissions: roaming.db can be read by other users (mode 644)" in result.stdout
    assert f"fix: chmod 600 {database}" in result.stdout


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://roaming:s3cret-pw@localhost:fivefour/roaming", "roaming:s3cret-pw at localhost"],
)
def test_a_malformed_database_url_is_named_without_its_password(node, url):
    result = check(node, ROAMING_DATABASE_URL=url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "[PROBLEM] Configuration: database_url: must be a SQLAlchemy URL, dialect+driver://user:password@host:port/"
        "database, such as postgresql+psycopg://roaming:PASSWORD@localhost/roaming (the value is a secret and not "
        "shown)" in result.stdout
    )
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_a_database_url_of_an_unknown_database_is_named_without_its_password(node):
    result = check(node, ROAMING_DATABASE_URL="postgress://roaming:s3cret-pw@localhost/roaming")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[PROBLEM] Configuration: database_url: SQLAlchemy knows no database postgress" in result.stdout
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_testing_mode_is_a_problem(node):
    """It hashes passwords cheaply (roaming.accounts.operations): never on a node that serves people."""
    result = check(node, ROAMING_TESTING="true")
    assert result.returncode == 1
    assert "[PROBLEM] Testing mode: passwords are hashed cheaply; never serve real accounts so" in result.stdout
    assert "fix: Remove testing from roaming.toml and ROAMING_TESTING." in result.stdout
    assert "1 problem(s)" in result.stdout


def test_the_config_file_is_created_private_and_a_readable_one_holding_a_secret_is_named(tmp_path):
    """roaming init writes --database-url, password included, into roaming.toml."""
    created = create_instance(
        tmp_path / "node",
        name="Test",
        country="DE",
        base_url="http://127.0.0.1:9",
        settings={"mail_password": "s3cret-pw", "oidc_client_secret": "s3cret-too"},
    )
    config = created.path / "roaming.toml"
    assert oct(config.stat().st_mode & 0o777) == oct(0o600)
    config.chmod(0o644)
    result = check(created)
    assert (
        "[PROBLEM] File permissions: roaming.toml can be read by other users (mode 644) and holds secrets: "
        "mail_password, oidc_client_secret" in result.stdout
    )
    assert f"fix: chmod 600 {config}" in result.stdout
    assert "s3cret" not in result.stdout


def test_a_readable_config_file_is_a_problem_only_when_it_holds_a_secret(tmp_path):
    created = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    (created.path / "roaming.toml").chmod(0o644)
    result = check(created)
    assert "[warning] File permissions: roaming.toml can be read by other users (mode 644)" in result.stdout
    assert f"fix: chmod 600 {created.path / 'roaming.toml'}" in result.stdout and "0 problem(s)" in result.stdout
    with (created.path / "roaming.toml").open("a") as config:
        config.write('database_url = "postgresql+psycopg://roaming:s3cret-pw@127.0.0.1:9/roaming"\n')
    result = check(created)
    assert "roaming.toml can be read by other users (mode 644) and holds secrets: database_url" in result.stdout


def test_init_makes_the_instance_private_whatever_the_umask(new_instance):
    """The folder holds the database, the keys, the settings and the mail written to disk: 0700,
    and every file in it 0600, also for a user whose umask would let everyone read them."""
    before = os.umask(0)
    try:
        node = new_instance()
    finally:
        os.umask(before)
    assert oct(node.path.stat().st_mode & 0o777) == oct(0o700)
    assert oct((node.path / "keys").stat().st_mode & 0o777) == oct(0o700)
    files = [path for path in node.path.rglob("*") if path.is_file()]
    assert {"roaming.toml", "secret_key", "current.pem"} <= {path.name for path in files}
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in files} == {path.name: oct(0o600) for path in files}


def test_an_instance_folder_or_keys_open_to_others_are_problems(node):
    node.path.chmod(0o755)
    (node.path / "keys").chmod(0o750)
    (node.path / "keys" / "current.pem").chmod(0o640)
    result = check(node)
    assert result.returncode == 1
    assert f"[PROBLEM] File permissions: the instance folder {node.path} is open to other users (mode 755)" in (
        result.stdout
    )
    assert f"fix: chmod 700 {node.path}" in result.stdout
    assert "[PROBLEM] File permissions: keys is open to other users (mode 750)" in result.stdout
    assert f"fix: chmod 700 {node.path / 'keys'}" in result.stdout
    assert "[PROBLEM] File permissions: keys/current.pem can be read by other users (mode 640)" in result.stdout
    assert f"fix: chmod 600 {node.path / 'keys' / 'current.pem'}" in result.stdout


def test_items_set_aside_are_a_warning_saying_where_to_look(node):
    app = create_app({"INSTANCE_PATH": node.path})
    with app.app_context():
        peer = Peer(node_id="node-cork", name="it@cork", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        for number in range(2):
            session.add(OutboxMessage(peer=peer, message_id=f"m-{number:06d}", path="/federation/notices", payload={}))
        session.add(OutboxMessage(peer=peer, message_id="m-000009", path="/", payload={}, failed_at=utcnow()))
        session.commit()
    engine_for(app).dispose()
    result = check(node)
    assert "[warning] Needs attention: 1 message(s) to partners set aside after failing" in result.stdout
    assert "fix: Retry or drop them on the staff page Needs attention (/staff/attention)" in result.stdout
    assert "[warning] Partner it@cork: 1 message(s) set aside (see Needs attention)" in result.stdout
