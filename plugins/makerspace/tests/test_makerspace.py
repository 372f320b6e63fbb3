"""The makerspace plugin on real nodes: enabled with two commands and a restart, its service seen
and booked by a partner's visitor, hours never booked twice, given back when a visit is
declined, and hidden again when the plugin is disabled. Its page and settings (its migrations are
checked with the other bundled plugins' in tests/plugins)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from roaming_makerspace.models import Reservation
from sqlalchemy import select

from roaming import create_app, migrate
from roaming.db import engine_for, session
from tests.support.nodes import wait_for
from tests.support.postgres import fresh_database
from tests.support.visits import add_desk, add_member, add_staff, home_and_host, next_monday, plan

pytestmark = pytest.mark.each_database

TIMEOUT = 30


def _search(home, headers):
    query = {"service_kind": "makerspace"}
    found = requests.get(f"{home.url}/api/federation/search", params=query, headers=headers, timeout=5)
    assert found.status_code == 200, found.text
    return found.json()


def _sync(home):
    synced = home.cli("sync")
    assert synced.returncode == 0, synced.stderr


def test_a_partners_visitor_books_equipment_and_disabling_hides_it(tmp_path):
    with home_and_host(tmp_path) as (home, host):
        staff = add_staff(host)
        visitor, _ = add_member(home, "ana@datenwerk.example")
        other, _ = add_member(home, "ben@datenwerk.example")
        desk = add_desk(host, seats=2)

        enabled = host.cli("plugins", "enable", "makerspace")  # the admin's two commands and a restart
        assert enabled.returncode == 0 and "makerspace_0001" in enabled.stdout, enabled.stderr
        added = host.cli("makerspace", "add", "Laser cutter")
        assert added.returncode == 0, added.stderr + added.stdout
        host.stop()
        host.start()
        machine = re.search(r"\(([0-9a-f-]{36})\)", added.stdout).group(1)

        _sync(home)

        def offered_with_options():
            """the partner sees the service as the restarted host renders it, with its options"""
            return [result["item"] for result in _search(home, visitor) if result["item"]["request_options"]]

        service = wait_for(offered_with_options, timeout=60)[0]
        options = service["request_options"]
        assert options["properties"]["equipment"]["enum"] == [machine]
        assert set(options["required"]) == {"equipment", "day", "start"}
        assert service["kind_label"] == "Makerspace and lab equipment, by the hour"

        monday, uid = next_monday(), service["uid"]
        wanted = {"equipment": machine, "day": monday.isoformat(), "start": 10, "hours": 2}
        bad = requests.post(
            f"{home.url}/api/visits/quote",
            json=plan(host, desk, monday, services=[uid], service_options={uid: {**wanted, "start": 17}}),
            headers=visitor,
            timeout=TIMEOUT,
        )
        assert bad.status_code == 200
        assert bad.json()["problems"] == {f"service_options.{uid}.hours": ["The makerspace closes at 18:00."]}

        def ask(headers, day=monday, **choice):
            body = plan(host, desk, day, day + timedelta(days=1), services=[uid])
            body["service_options"] = {uid: {**wanted, **choice}}
            return requests.post(f"{home.url}/api/visits", json=body, headers=headers, timeout=TIMEOUT)

        first = ask(visitor)
        assert first.status_code == 201, first.text
        chosen = first.json()["services"][0]
        assert chosen["options"] == wanted
        with host.app_context():
            hours = [(r.day, r.hour) for r in session.scalars(select(Reservation).order_by(Reservation.hour))]
        assert hours == [(monday, 10), (monday, 11)]

        clash = ask(other, start=11)
        assert clash.status_code == 409, clash.text
        assert "Laser cutter is booked at 11:00" in clash.json()["message"]
        not_a_visit_day = ask(other, day=monday + timedelta(days=7))
        assert not_a_visit_day.status_code == 422
        assert f"service_options.{uid}.day" in not_a_visit_day.json()["errors"]["json"]

        declined = requests.post(
            f"{host.url}/api/visits/{first.json()['visit_id']}/decline",
            json={"reason": "The laser cutter is being serviced."},
            headers=staff,
            timeout=TIMEOUT,
        )
        assert declined.status_code == 200, declined.text
        assert ask(other, start=11).status_code == 201  # the hours came back

        disabled = host.cli("plugins", "disable", "makerspace")
        assert disabled.returncode == 0, disabled.stderr
        host.stop()
        host.start()
        assert requests.get(f"{host.url}/makerspace/equipment", timeout=5).status_code == 404
        kinds = requests.get(f"{host.url}/api/reference/service-kinds", timeout=5).json()["service_kinds"]
        assert "makerspace" not in {kind["kind"] for kind in kinds}

        def withdrawn_at_partner():
            """The partner's copy of the service is gone."""
            _sync(home)
            return not _search(home, visitor)

        wait_for(withdrawn_at_partner, timeout=60)


@pytest.fixture(params=["sqlite", "postgresql"])
def plugin_app(request, tmp_path):
    from federation.keys import generate_key, save_key

    save_key(generate_key(), tmp_path)
    config = {"INSTANCE_PATH": tmp_path, "SECRET_KEY": "test", "PLUGINS": ["makerspace"]}
    if request.param == "postgresql":
        with fresh_database() as url:
            app = create_app({**config, "DATABASE_URL": url})
            yield app
            engine_for(app).dispose()
    else:
        app = create_app(config)
        yield app
        engine_for(app).dispose()


def test_staff_page_adds_equipment_and_shows_errors_beside_fields(plugin_app):
    from roaming.accounts.models import Role
    from roaming.accounts.operations import create_user

    migrate.upgrade_all(plugin_app, engine_for(plugin_app))
    with plugin_app.app_context():
        create_user(email="staff@node.example", name="Staff", role=Role.HOST_STAFF, password="correct horse battery")
        session.commit()  # as the command that makes an account does
    client = plugin_app.test_client()
    assert client.get("/makerspace/equipment").status_code == 302  # to the login page
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    client.post(
        "/login", data={"email": "staff@node.example", "password": "correct horse battery", "csrf_token": token}
    )
    page = client.get("/makerspace/equipment")
    assert page.status_code == 200 and "No equipment yet" in page.text
    assert '<a href="/makerspace/equipment">Makerspace</a>' in page.text  # its entry in the staff menu
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    empty = client.post("/makerspace/equipment", data={"name": "", "csrf_token": token})
    assert empty.status_code == 422 and 'id="name-error"' in empty.text and 'aria-invalid="true"' in empty.text
    added = client.post("/makerspace/equipment", data={"name": "3D printer", "csrf_token": token})
    assert added.status_code == 302
    page = client.get("/makerspace/equipment")
    assert "3D printer" in page.text and "in service" in page.text
    services = client.get("/api/services").json
    assert [(s["kind"], s["name"]) for s in services] == [("makerspace", "Makerspace equipment")]
    assert services[0]["request_options"]["properties"]["hours"]["maximum"] == 4

    from roaming_makerspace.models import Equipment

    visit_uid = "6a1c9d2e-0b7f-4c3a-9e51-2d8f7b6a4c10"
    with plugin_app.app_context():
        printer = session.scalar(select(Equipment))
        session.add(Reservation(equipment_id=printer.id, day=next_monday(), hour=9, visit_uid=visit_uid))
        session.commit()
    booked = client.get("/makerspace/equipment").text
    assert "09:00–10:00: 3D printer" in booked and f'href="/host/visits/{visit_uid}"' in booked


def test_settings_change_the_options_and_unknown_settings_stop_start_up(tmp_path):
    from marshmallow import ValidationError
    from roaming_makerspace.booking import options_for
    from roaming_makerspace.operations import add_equipment

    from federation.keys import generate_key, save_key
    from roaming.plugins import PluginError

    save_key(generate_key(), tmp_path)
    base = {"INSTANCE_PATH": tmp_path, "SECRET_KEY": "test", "PLUGINS": ["makerspace"]}
    app = create_app({**base, "MAKERSPACE": {"max_hours": 2, "closes": 20}})
    migrate.upgrade_all(app, engine_for(app))
    with app.app_context():
        machine = add_equipment({"name": "CNC mill", "description": ""})
        schema = options_for(None)
        assert schema.load({"equipment": machine.uid, "day": "2030-01-07", "start": 19})["hours"] == 1
        with pytest.raises(ValidationError) as refused:
            schema.load({"equipment": "nope", "day": "2030-01-07", "start": 20, "hours": 3})
        assert set(refused.value.messages) == {"equipment", "start", "hours"}
        assert "CNC mill" in refused.value.messages["equipment"][0]
    engine_for(app).dispose()
    with pytest.raises(PluginError, match="Plugin 'makerspace' has no setting max_hour"):
        create_app({**base, "MAKERSPACE": {"max_hour": 2}})
