"""Errors of the command line name the fix: a command run where there is no node, a plugin's
command the node does not have, the coordinator's commands elsewhere, an applicant that cannot be
reached, a plugin that is not installed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from roaming.cli import cli
from roaming.plugins import install_hint

pytestmark = pytest.mark.one_database(reason="command output; no database work of its own")


def roaming(folder, *args):
    """``roaming ARGS`` run by a person in ``folder``, without ROAMING_INSTANCE set."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ROAMING_")}
    return subprocess.run(
        [sys.executable, "-m", "roaming", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", [["plugins", "list"], ["check"], ["registry", "show"], ["users", "list"]])
def test_a_command_outside_an_instance_folder_says_how_to_name_the_node(tmp_path, command):
    result = roaming(tmp_path, *command)
    assert result.returncode == 1
    said = result.stdout + result.stderr
    assert f"No node here: no instance folder at {tmp_path / 'instance'}" in said
    assert "Run the command where the node's 'instance' folder is, or pass --instance DIR" in said
    assert "secret key" not in said and "Traceback" not in said


def test_a_plugins_command_outside_an_instance_folder_says_why_it_is_missing(tmp_path):
    result = roaming(tmp_path, "makerspace", "add", "Laser cutter")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "No such command 'makerspace'. If a plugin adds it, it exists only for a node that enables" in (
        result.stderr
    )
    assert "pass --instance DIR" in result.stderr


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args))


def test_the_coordinators_commands_elsewhere_name_the_setting(run):
    result = run("coordinator", "list")
    assert result.exit_code == 1
    assert "This node is not the federation's coordinator: a node admits clusters only with the setting " in (
        result.output
    )
    assert "coordinator_enabled = true" in result.output


def test_an_unreachable_applicant_is_explained_without_a_traceback(app, run):
    app.config["COORDINATOR_ENABLED"] = True
    result = run("coordinator", "add", "http://127.0.0.1:9", "--fingerprint", "abc")
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert "Could not read http://127.0.0.1:9/.well-known/roaming-node: Connection refused." in result.output
    assert "that node must be running and reachable from this one: ask its admin to start it" in result.output


def test_a_missing_plugin_is_installed_the_way_plugins_really_are(new_instance):
    node = new_instance()
    result = CliRunner().invoke(cli, ["plugins", "enable", "coffee_club", "--instance", str(node.path)])
    assert result.exit_code == 1
    assert "No plugin 'coffee_club' is installed: install its package into the node's Python environment" in (
        result.output
    )
    assert "pip install -e FOLDER" in result.output and "roaming-plugin-" not in result.output


def test_a_shipped_plugin_is_named_by_its_folder():
    hint = install_hint("makerspace")
    assert hint.startswith("install it into the node's Python environment (pip install -e ")
    assert hint.endswith(os.path.join("plugins", "makerspace") + ")")
