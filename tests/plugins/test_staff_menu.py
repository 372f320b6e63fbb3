"""Plugins add their pages to the staff menu (``roaming_staff_menu``): staff and admins see them
on every page, members and visitors do not; an entry that names no page stops start-up."""

from __future__ import annotations

import pytest

from roaming import create_app
from roaming.accounts.models import Role
from roaming.plugins import PluginError
from tests.conftest import PASSWORD
from tests.plugins.conftest import install_fake_plugin

pytestmark = pytest.mark.one_database(reason="the menu plugins add to the pages")

NOTICEBOARD = """
from flask import Blueprint
from roaming.accounts.security import STAFF, require_page
from roaming.plugins import MenuEntry, hookimpl

bp = Blueprint("noticeboard", __name__, url_prefix="/noticeboard")


@bp.get("/")
@require_page(*STAFF)
def board():
    return "The notice board"


@hookimpl
def roaming_register_blueprints(app):
    app.register_blueprint(bp)


@hookimpl
def roaming_staff_menu():
    return [MenuEntry("Notice board", "noticeboard.board")]
"""


def _app(instance_path, **config):
    return create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "test", **config})


def _logged_in(client, user):
    client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    return client


def test_staff_see_a_plugin_s_page_in_their_menu(site, instance_path, make_user):
    install_fake_plugin(site, "noticeboard", NOTICEBOARD, api=">=1.2,<2")
    app = _app(instance_path, PLUGINS=["noticeboard"])
    staff, member = make_user(role=Role.HOST_STAFF), make_user(role=Role.MEMBER)
    staff_page = _logged_in(app.test_client(), staff).get("/network").text
    assert '<a href="/noticeboard/">Notice board</a>' in staff_page
    member_page = _logged_in(app.test_client(), member).get("/network").text
    assert "Notice board" not in member_page
    assert "Notice board" not in app.test_client().get("/network").text


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'MenuEntry("Notice board", "noticeboard.missing")',
            "Plugin 'noticeboard' adds 'Notice board' to the staff menu for the page 'noticeboard.missing', "
            "which no blueprint registers",
        ),
        ('("Notice board", "noticeboard.board")', "Plugin 'noticeboard' adds ('Notice board', 'noticeboard.board')"),
    ],
)
def test_an_entry_that_names_no_page_stops_start_up(site, instance_path, entry, message):
    source = NOTICEBOARD.replace('MenuEntry("Notice board", "noticeboard.board")', entry)
    install_fake_plugin(site, "noticeboard", source, api=">=1.2,<2")
    with pytest.raises(PluginError) as refused:
        _app(instance_path, PLUGINS=["noticeboard"])
    assert str(refused.value).startswith(message)
