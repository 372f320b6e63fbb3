"""The plugin API's version: a plugin declares the versions it works with (``roaming_plugin_api``)
and a node refuses at start-up one that does not support its own, naming the plugin, its range and
the node's version; the bundled plugins and the template declare the current one."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from click.testing import CliRunner
from packaging.specifiers import SpecifierSet

from roaming import create_app, hookspecs
from roaming.accounts.models import Role
from roaming.cli import cli
from roaming.config import configured_plugins
from roaming.plugins import ENTRY_POINT_GROUP, PluginError
from roaming.plugins.compatibility import recommended_range
from roaming.plugins.scaffold import new_plugin
from tests.conftest import PASSWORD
from tests.plugins.conftest import install_fake_plugin

pytestmark = pytest.mark.one_database(reason="which plugins load by the plugin API they declare")
GREETER = """
from roaming.plugins import ServiceKind, hookimpl

@hookimpl
def roaming_register_service_kinds():
    return [ServiceKind("greeter", "Greetings at the door")]
"""
BUNDLED = ("makerspace", "webhooks", "deskcal")


def _app(instance_path, **config):
    return create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "test", **config})


@pytest.mark.parametrize("api", [">=1.0,<2", "~=1.0", "==1.*", ">=0.9,!=1.1,<2", "<=1.4", "==1.0"])
def test_a_plugin_whose_range_holds_the_node_version_loads(site, instance_path, monkeypatch, api):
    monkeypatch.setattr(hookspecs, "PLUGIN_API_VERSION", "1.0")  # the ranges are of a node at 1.0
    install_fake_plugin(site, "greeter", GREETER, api=api)
    client = _app(instance_path, PLUGINS=["greeter"]).test_client()
    kinds = client.get("/api/reference/service-kinds").json["service_kinds"]
    assert {"kind": "greeter", "label": "Greetings at the door"} in kinds


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (
            ">=2.0,<3",
            "Plugin 'greeter' supports plugin API >=2.0,<3, but this node's plugin API is 1.0: install a release "
            "of the plugin made for plugin API 1.0 or run 'roaming plugins disable greeter'.",
        ),
        (
            ">=1.1,<2",
            "Plugin 'greeter' supports plugin API >=1.1,<2, but this node's plugin API is 1.0",
        ),
        (
            None,
            "Plugin 'greeter' does not declare which plugin API versions it supports (no roaming_plugin_api in "
            "roaming_greeter); this node's plugin API is 1.0. Install a release of it that declares them "
            "(e.g. roaming_plugin_api = \">=1.0,<2\") or run 'roaming plugins disable greeter'.",
        ),
        ("1.x", "Plugin 'greeter' declares roaming_plugin_api = '1.x' in roaming_greeter, which is not a"),
        ("===1.0", "Plugin 'greeter' declares roaming_plugin_api = '===1.0' in roaming_greeter, which is not a"),
        (
            ">=1.0",
            "Plugin 'greeter' declares roaming_plugin_api = '>=1.0' in roaming_greeter, a range without an upper "
            "bound: it claims plugin API versions not made yet, whose changes may break it. Declare the versions it "
            'was written for up to the next major one (e.g. roaming_plugin_api = ">=1.0,<2") or run \'roaming '
            "plugins disable greeter'.",
        ),
        ("!=2", "Plugin 'greeter' declares roaming_plugin_api = '!=2' in roaming_greeter, a range without an upper"),
        (
            ">0.9,!=1.1",
            "Plugin 'greeter' declares roaming_plugin_api = '>0.9,!=1.1' in roaming_greeter, a range without",
        ),
        ("", "Plugin 'greeter' declares roaming_plugin_api = '' in roaming_greeter, which is not a version range"),
    ],
)
def test_a_plugin_for_another_plugin_api_stops_start_up(site, instance_path, monkeypatch, api, message):
    monkeypatch.setattr(hookspecs, "PLUGIN_API_VERSION", "1.0")
    install_fake_plugin(site, "greeter", GREETER, api=api)
    with pytest.raises(PluginError) as refused:
        _app(instance_path, PLUGINS=["greeter"])
    assert str(refused.value).startswith(message)


def test_a_range_that_is_not_text_is_refused(site, instance_path):
    install_fake_plugin(site, "greeter", GREETER + "\nroaming_plugin_api = 1\n", api=None)
    with pytest.raises(PluginError, match="declares roaming_plugin_api = 1 in roaming_greeter, which is not a"):
        _app(instance_path, PLUGINS=["greeter"])


# Declarations whose reading or checking raises: a str subclass failing in its methods, a module
# attribute lookup that fails. Each is refused, naming the plugin and what was raised.
HOSTILE = {
    "str subclass": (
        "class Declaration(str):\n"
        "    def strip(self, *args):\n"
        "        raise KeyError('strip')\n"
        "    def __repr__(self):\n"
        "        raise KeyError('repr')\n"
        "roaming_plugin_api = Declaration('>=1.0,<2')\n",
        "(KeyError: 'strip')",
    ),
    "module __getattr__": (
        "def __getattr__(name):\n    raise LookupError(f'no {name} here')\n",
        "(LookupError: no roaming_plugin_api here)",
    ),
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_declaration_that_raises_is_refused_naming_the_plugin(site, instance_path, source):
    code, raised = source
    install_fake_plugin(site, "greeter", GREETER + code, api=None)
    with pytest.raises(PluginError) as refused:
        _app(instance_path, PLUGINS=["greeter"])
    assert str(refused.value).startswith(
        f"Plugin 'greeter' has a roaming_plugin_api in roaming_greeter that cannot be checked {raised}; this node's "
        f'plugin API is {hookspecs.PLUGIN_API_VERSION}. Declare a plain text range (e.g. roaming_plugin_api = "'
        f"{recommended_range()}\") or run 'roaming plugins disable greeter'."
    )


def test_a_declaration_that_raises_is_listed_and_shown_to_the_admin(site, new_instance, app, make_user):
    install_fake_plugin(site, "greeter", GREETER + HOSTILE["str subclass"][0], api=None)
    listed = CliRunner().invoke(cli, ["plugins", "list", "--instance", str(new_instance().path)])
    assert listed.exit_code == 0 and "! Plugin 'greeter' has a roaming_plugin_api" in listed.output, listed.output
    make_user(role=Role.ADMIN, email="admin@node.example", password=PASSWORD)
    admin = app.test_client()
    assert admin.post("/api/auth/login", json={"email": "admin@node.example", "password": PASSWORD}).status_code == 200
    page = admin.get("/admin/plugins")
    assert page.status_code == 200 and "cannot be checked (KeyError: &#39;strip&#39;)" in page.text


def test_a_new_major_version_of_the_node_refuses_plugins_for_the_old_one(site, instance_path, monkeypatch):
    install_fake_plugin(site, "greeter", GREETER, api=">=1.0,<2")
    monkeypatch.setattr(hookspecs, "PLUGIN_API_VERSION", "2.0")
    assert recommended_range() == ">=2.0,<3"
    with pytest.raises(PluginError, match=r"supports plugin API >=1\.0,<2, but this node's plugin API is 2\.0"):
        _app(instance_path, PLUGINS=["greeter"])
    monkeypatch.setattr(hookspecs, "PLUGIN_API_VERSION", "1.4")
    _app(instance_path, PLUGINS=["greeter"])  # a minor version adds only: the plugin still loads


def test_the_admin_cannot_enable_it_and_sees_why(site, new_instance):
    install_fake_plugin(site, "greeter", GREETER, api=">=2.0,<3")
    node = new_instance()
    runner = CliRunner()
    refused = runner.invoke(cli, ["plugins", "enable", "greeter", "--instance", str(node.path)])
    assert refused.exit_code == 1 and "Plugin 'greeter' supports plugin API >=2.0,<3" in refused.output
    assert configured_plugins(node.path) == []
    listed = runner.invoke(cli, ["plugins", "list", "--instance", str(node.path)])
    assert listed.exit_code == 0 and "! Plugin 'greeter' supports plugin API >=2.0,<3" in listed.output


def test_the_bundled_plugins_and_the_template_declare_the_current_plugin_api(tmp_path):
    installed = {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}
    for name in BUNDLED:
        declared = installed[name].load().roaming_plugin_api
        assert hookspecs.PLUGIN_API_VERSION in SpecifierSet(declared), name
    module = (new_plugin("coffee_club", tmp_path) / "roaming_coffee_club" / "__init__.py").read_text()
    assert f'\nroaming_plugin_api = "{recommended_range()}"' in module
