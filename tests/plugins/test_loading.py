"""Finding and loading plugins: installed is not enabled; a plugin that is missing, fails to
import, implements an unknown hook or takes a kind another has stops start-up with its name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from roaming import create_app
from roaming.plugins import PluginError
from tests.plugins.conftest import install_fake_plugin

pytestmark = pytest.mark.one_database(reason="which plugins load, and the messages when they do not")

GREETER = """
from marshmallow import Schema, fields
from roaming.plugins import ServiceKind, hookimpl

class Options(Schema):
    topic = fields.String(required=True)

@hookimpl
def roaming_register_service_kinds():
    return [ServiceKind("greeter", "Greetings at the door", options=lambda service: Options())]
"""


def _app(instance_path, **config):
    return create_app({"INSTANCE_PATH": instance_path, "SECRET_KEY": "test", **config})


def test_installed_is_not_enabled(site, instance_path):
    install_fake_plugin(site, "greeter", GREETER)
    client = _app(instance_path).test_client()
    kinds = {kind["kind"] for kind in client.get("/api/reference/service-kinds").json["service_kinds"]}
    assert "greeter" not in kinds and "desk" in kinds
    client = _app(instance_path, PLUGINS=["greeter"]).test_client()
    kinds = client.get("/api/reference/service-kinds").json["service_kinds"]
    assert {"kind": "greeter", "label": "Greetings at the door"} in kinds


@pytest.mark.parametrize(
    ("source", "enabled", "message"),
    [
        ("raise ImportError('No module named nonexistent_sdk')", ["broken"], "Plugin 'broken' failed to load"),
        ("", ["ghost"], "Plugin 'ghost' is enabled but not installed"),
        (
            "from roaming.plugins import hookimpl\n@hookimpl\ndef roaming_visit_deleted(visit): pass\n",
            ["broken"],
            "Plugin 'broken' implements a hook that does not exist",
        ),
        (
            GREETER.replace('"greeter"', '"desk"'),
            ["broken"],
            "Service kind 'desk' is registered by both 'core' and 'broken'",
        ),
        ("", "broken", "must be a list of names"),
    ],
)
def test_a_plugin_that_cannot_load_stops_start_up_naming_it(site, instance_path, source, enabled, message):
    install_fake_plugin(site, "broken", source)
    with pytest.raises(PluginError, match=message):
        _app(instance_path, PLUGINS=enabled)


def test_the_server_does_not_start_and_says_which_plugin(tmp_path, new_instance):
    site = tmp_path / "site"
    install_fake_plugin(site, "broken", "import nonexistent_sdk\n")
    node = new_instance()
    with (node.path / "roaming.toml").open("a") as config:
        config.write('plugins = ["broken"]\n')
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}

    def roaming(*args):
        command = [sys.executable, "-m", "roaming", *args, "--instance", str(node.path)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment)

    started = roaming("run", "--port", "0")
    assert started.returncode == 1
    assert "Error: Plugin 'broken' failed to load (roaming_broken): ModuleNotFoundError" in started.stderr
    assert "roaming plugins disable broken" in started.stderr and "Traceback" not in started.stderr
    listed = roaming("plugins", "list")
    assert listed.returncode == 0 and "broken 0.1.0  [enabled]" in listed.stdout
    assert "! Plugin 'broken' failed to load" in listed.stdout
    assert roaming("plugins", "disable", "broken").returncode == 0
    assert roaming("db", "status").returncode == 0  # starts again without it


def test_enabling_a_plugin_that_fails_keeps_the_configuration(site, new_instance, monkeypatch):
    from click.testing import CliRunner

    from roaming.cli import cli
    from roaming.config import configured_plugins

    install_fake_plugin(site, "broken", "raise RuntimeError('needs an API key')\n")
    install_fake_plugin(site, "greeter", GREETER)
    node = new_instance()
    runner = CliRunner()
    refused = runner.invoke(cli, ["plugins", "enable", "broken", "--instance", str(node.path)])
    assert refused.exit_code == 1 and "Plugin 'broken' failed to load" in refused.output
    assert configured_plugins(node.path) == []
    enabled = runner.invoke(cli, ["plugins", "enable", "greeter", "--instance", str(node.path)])
    assert enabled.exit_code == 0 and "Restart the node" in enabled.output
    assert configured_plugins(node.path) == ["greeter"]
    unknown = runner.invoke(cli, ["plugins", "enable", "nothing", "--instance", str(node.path)])
    assert unknown.exit_code == 1 and "No plugin 'nothing' is installed" in unknown.output
    monkeypatch.setenv("ROAMING_PLUGINS", '["greeter"]')
    blocked = runner.invoke(cli, ["plugins", "disable", "greeter", "--instance", str(node.path)])
    assert blocked.exit_code == 1 and "ROAMING_PLUGINS is set in the environment" in blocked.output


def test_a_plugin_installed_after_the_node_started_loads_without_a_restart(site, tmp_path, monkeypatch):
    """As ``pip install -e`` does it while the node runs: the entry point's metadata lands in the
    site folder, and the module's folder is named only by a new ``.pth`` file there."""
    import site as site_module

    from roaming.plugins import installed_entry_points, load_plugin

    source = tmp_path / "late-src"
    source.mkdir()
    install_fake_plugin(site, "latecomer", GREETER)
    (site / "roaming_latecomer.py").rename(source / "roaming_latecomer.py")
    (site / "latecomer.pth").write_text(f"{source}\n")
    monkeypatch.setattr(site_module, "getsitepackages", lambda: [str(site)])
    monkeypatch.setattr(site_module, "getusersitepackages", lambda: str(tmp_path / "no-user-site"))

    plugin = load_plugin("latecomer", installed_entry_points()["latecomer"])
    assert plugin.roaming_register_service_kinds()[0].name == "greeter"
