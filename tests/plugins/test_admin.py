"""The plugins admin page and ``roaming plugins new``: an admin sees and switches plugins (others
may not); a new plugin from the template installs, loads into a node and passes its own test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from roaming.accounts.models import Role
from roaming.config import configured_plugins
from tests.plugins.conftest import install_fake_plugin

pytestmark = pytest.mark.one_database(reason="enabling plugins from the pages, and a plugin built from the template")

PASSWORD = "correct horse battery"
GREETER = """
from roaming.plugins import ServiceKind, hookimpl

@hookimpl
def roaming_register_service_kinds():
    return [ServiceKind("greeter", "Greetings at the door")]
"""


def _logged_in(app, email):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_admins_switch_plugins_on_the_page(app, make_user, site):
    install_fake_plugin(site, "greeter", GREETER)
    make_user(role=Role.ADMIN, email="admin@node.example", password=PASSWORD)
    make_user(role=Role.HOST_STAFF, email="staff@node.example", password=PASSWORD)
    assert app.test_client().get("/admin/plugins").status_code == 302
    assert _logged_in(app, "staff@node.example").get("/admin/plugins").status_code == 403

    admin = _logged_in(app, "admin@node.example")
    page = admin.get("/admin/plugins")
    assert page.status_code == 200
    row = re.search(r'<tr id="plugin-greeter">(.*?)</tr>', page.text, flags=re.DOTALL).group(1)
    assert 'service kinds: <span translate="no">greeter (Greetings at the door)</span>' in row and "not enabled" in row
    assert admin.post("/admin/plugins/greeter/enable").status_code == 403  # no CSRF token
    enabled = admin.post("/admin/plugins/greeter/enable", data={"csrf_token": _csrf(page)}, follow_redirects=True)
    assert "Enabled greeter" in enabled.text and "enabled, starts at the next restart" in enabled.text
    assert configured_plugins(Path(app.instance_path)) == ["greeter"]
    disabled = admin.post("/admin/plugins/greeter/disable", data={"csrf_token": _csrf(page)}, follow_redirects=True)
    assert "Disabled greeter" in disabled.text


def test_a_new_plugin_from_the_template_installs_and_passes_its_test(tmp_path, new_instance):
    created = subprocess.run(
        [sys.executable, "-m", "roaming", "plugins", "new", "coffee_club", "--directory", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    folder = tmp_path / "coffee_club"
    assert (folder / "roaming_coffee_club" / "__init__.py").exists() and (folder / "tests" / "test_plugin.py").exists()
    page = folder / "roaming_coffee_club" / "templates" / "coffee_club" / "menu.html"
    page.parent.mkdir(parents=True)
    page.write_text('{% extends "base.html" %}{% block main %}Coffee{% endblock %}')
    target = tmp_path / "installed"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target)]
    installed = subprocess.run([*pip, str(folder)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    assert (target / "roaming_coffee_club" / "templates" / "coffee_club" / "menu.html").exists()  # pages ship
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *sys.path])}
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", str(folder / "tests")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=folder,
        env=environment,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    node = new_instance()
    listed = subprocess.run(
        [sys.executable, "-m", "roaming", "plugins", "list", "--instance", str(node.path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert "coffee_club 0.1.0  [installed, not enabled]" in listed.stdout
    assert "service kinds: coffee_club (Coffee club)" in listed.stdout
    again = subprocess.run(
        [sys.executable, "-m", "roaming", "plugins", "new", "coffee_club", "--directory", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 1 and "exists already" in again.stderr
