"""Every CLI command, through Flask's CLI runner (in-process) against a test node."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roaming import migrate
from roaming.accounts.models import Role, User
from roaming.accounts.operations import authenticate
from roaming.catalogue.models import ClusterProfile
from roaming.cli import cli
from roaming.db import session

pytestmark = pytest.mark.one_database(
    reason="command parsing and output; the operations they call are tested on both databases"
)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(cli, list(args), input=input)

    return invoke


def test_every_command_has_help(run):
    for path in (
        ["init"],
        ["run"],
        ["demo"],
        ["db", "upgrade"],
        ["db", "status"],
        ["db", "revision"],
        ["users", "create"],
        ["users", "list"],
        ["users", "set-password"],
        ["users", "deactivate"],
        ["users", "activate"],
        ["tokens", "create"],
        ["tokens", "list"],
        ["tokens", "revoke"],
        ["import", "catalogue"],
        ["import", "members"],
    ):
        result = run(*path, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, path


def test_init_creates_a_complete_instance(run, tmp_path):
    target = tmp_path / "node"
    result = run(
        "init",
        "--instance",
        str(target),
        "--name",
        "it@cork",
        "--country",
        "ie",
        "--url",
        "https://bra.itcork.example/",
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("admin password: ")[1].split()[0]
    assert (target / "roaming.toml").exists() and (target / "keys" / "current.pem").exists()
    assert oct((target / "secret_key").stat().st_mode)[-3:] == "600"
    assert oct((target / "keys" / "current.pem").stat().st_mode)[-3:] == "600"

    from roaming import create_app
    from roaming.db import engine_for

    node = create_app({"INSTANCE_PATH": target})
    with node.app_context():
        assert authenticate("admin@bra.itcork.example", password).role is Role.ADMIN
        assert session.scalar(select(ClusterProfile)).country == "IE"
    assert node.config["BASE_URL"] == "https://bra.itcork.example"
    engine_for(node).dispose()

    assert f"Start it with: roaming run --instance {target}\n" in result.output  # behind its proxy

    again = run("init", "--instance", str(target), "--name", "x", "--country", "IE", "--url", "https://x.example")
    assert again.exit_code == 1 and "holds an instance already" in again.output


def test_init_on_a_loopback_url_says_which_port_to_serve(run, tmp_path):
    target = tmp_path / "node"
    result = run("init", "--instance", str(target), "--name", "K", "--country", "DE", "--url", "http://127.0.0.1:8101")
    assert result.exit_code == 0, result.output
    assert f"Start it with: roaming run --instance {target} --port 8101" in result.output


@pytest.mark.parametrize(
    ("country", "url", "message"),
    [("XX", "https://x.example", "ISO 3166-1"), ("DE", "ftp://x.example", "base URL")],
)
def test_init_refuses_bad_input(run, tmp_path, country, url, message):
    result = run("init", "--instance", str(tmp_path / "n"), "--name", "X", "--country", country, "--url", url)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "n").exists()


def test_db_status_and_upgrade(run):
    status = run("db", "status")
    assert status.exit_code == 0 and migrate.head_revision() in status.output and "upgrade" not in status.output
    upgrade = run("db", "upgrade")
    assert upgrade.exit_code == 0 and f"core: at {migrate.head_revision()}" in upgrade.output


def test_users_commands(run, app, make_person):
    person = make_person(email="jana@datenwerk.example")
    created = run("users", "create", "--email", "staff@node.example", "--name", "Staff", "--role", "host_staff")
    assert created.exit_code == 0 and "Password: " in created.output
    member = run(
        "users",
        "create",
        "--email",
        person.email,
        "--name",
        "Jana",
        "--role",
        "member",
        "--person-email",
        person.email,
        "--password",
        "a-long-password",
    )
    assert member.exit_code == 0 and "Password" not in member.output
    missing = run(
        "users",
        "create",
        "--email",
        "x@node.example",
        "--name",
        "X",
        "--role",
        "member",
        "--person-email",
        "ghost@node.example",
    )
    assert missing.exit_code == 1 and "No person" in missing.output
    duplicate = run("users", "create", "--email", "staff@node.example", "--name", "S", "--role", "admin")
    assert duplicate.exit_code == 1 and "exists already" in duplicate.output

    listed = run("users", "list")
    assert "staff@node.example" in listed.output and "member" in listed.output
    changed = run("users", "set-password", "staff@node.example", input="new-password-1\nnew-password-1\n")
    assert changed.exit_code == 0, changed.output
    with app.app_context():
        assert authenticate("staff@node.example", "new-password-1")
    assert run("users", "deactivate", "staff@node.example").exit_code == 0
    with app.app_context():
        assert session.scalar(select(User).where(User.email == "staff@node.example")).active is False
    assert run("users", "activate", "staff@node.example").exit_code == 0
    assert run("users", "deactivate", "ghost@node.example").exit_code == 1


def test_tokens_commands(run, client, make_user):
    user = make_user()
    created = run("tokens", "create", "--email", user.email, "--name", "CRM", "--days", "7")
    assert created.exit_code == 0
    token = created.output.strip().splitlines()[-1]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = run("tokens", "list", "--email", user.email)
    assert "CRM" in listed.output and token not in listed.output
    token_id = listed.output.split()[0]
    assert run("tokens", "revoke", token_id).exit_code == 0
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert run("tokens", "revoke", "999").exit_code == 1


def test_a_read_token_and_a_kept_token_from_the_command_line(run, client, make_user):
    user = make_user()
    reader = run("tokens", "create", "--email", user.email, "--name", "Dashboard", "--scope", "read")
    assert reader.exit_code == 0 and "(read)" in reader.output
    read_headers = {"Authorization": f"Bearer {reader.output.strip().splitlines()[-1]}"}
    assert client.get("/api/me", headers=read_headers).status_code == 200
    assert client.patch("/api/me", json={"name": "Renamed"}, headers=read_headers).status_code == 403
    kept = run("tokens", "create", "--email", user.email, "--name", "Backup", "--keep-on-password-change")
    kept_headers = {"Authorization": f"Bearer {kept.output.strip().splitlines()[-1]}"}
    changed = run("users", "set-password", user.email, input="new-password-1\nnew-password-1\n")
    assert changed.exit_code == 0, changed.output
    assert client.get("/api/me", headers=read_headers).status_code == 401  # ended with the old password
    assert client.get("/api/me", headers=kept_headers).status_code == 200
    assert "read " in run("tokens", "list", "--email", user.email).output


def test_keys_commands(run, instance_path):
    from federation.keys import load_key

    current = load_key(instance_path).key_id
    assert run("keys", "show").output.strip() == f"{current}  signing"
    rotated = run("keys", "rotate")
    assert rotated.exit_code == 0 and "Published new key" in rotated.output
    shown = run("keys", "show").output
    assert f"{current}  signing" in shown and "published" in shown and "activate next at" in shown
    again = run("keys", "rotate")
    assert again.exit_code == 1 and "under way" in again.output


def test_a_demo_kept_in_a_folder_is_not_built_over(run, tmp_path):
    kept = tmp_path / "demo" / "cyberforum"
    kept.mkdir(parents=True)
    (kept / "roaming.toml").write_text("node_name = 'CyberForum'\n")
    result = run("demo", "--folder", str(tmp_path / "demo"), "--no-history")
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    assert "holds a demo federation already (cyberforum)" in result.output
    assert f"roaming run --instance {kept}" in result.output
