"""The ``roaming`` command line.

Commands that work on an existing node take ``--instance DIR`` (or ``ROAMING_INSTANCE``) and
run inside that node's app context; tests pass an app through Flask's CLI runner instead.
Enabled plugins add their own commands (``roaming_register_commands``): to find them the node is
loaded from ``roaming --instance DIR`` or ``ROAMING_INSTANCE`` (default ./instance), and only
when its configuration enables a plugin.

The command line starts in about the time Flask's own does (docs/performance.md, "Command-line
start-up"), because it imports and builds only what the command at hand needs:

- the core's commands are named in ``CORE_COMMANDS`` with their one-line help, and a command's
  module is imported only when that command is run or its help is asked for;
- the node's whole app (routes, plugins) is built by the commands that need it
  (``with_appcontext``, ``node_app``); commands that read only the instance folder or the
  database run in the node's base app instead (``with_base_app``).

A command run on a node in testing mode (setting ``testing``, ``ROAMING_TESTING``: cheap password
hashes) says so on stderr before it starts, whatever the log level.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import update_wrapper
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import ScriptInfo

from roaming import __version__, settings
from roaming.base_app import create_base_app
from roaming.config import ConfigurationError, configured_plugins, resolve_instance_path


@dataclass(frozen=True)
class CoreCommand:
    """A core command's ``location`` (``module:attribute``) and ``summary``: the first sentence of
    its help, which ``roaming --help`` shows without importing the command (a test keeps the two
    the same)."""

    location: str
    summary: str

    def load(self) -> click.Command:
        module, _, attribute = self.location.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def short_help(self, limit: int) -> str:
        """The summary shortened to ``limit`` characters the way click shortens a command's help."""
        return click.Command(None, help=self.summary).get_short_help_str(limit)


CORE_COMMANDS: dict[str, CoreCommand] = {
    "init": CoreCommand(
        "roaming.cli.node:init_command",
        "Create a node: settings, secret, signing key, database and a first admin account.",
    ),
    "run": CoreCommand(
        "roaming.cli.node:run_command", "Serve the node over HTTP until interrupted (Ctrl+C or SIGTERM)."
    ),
    "worker": CoreCommand(
        "roaming.cli.node:worker_command",
        "Run the background jobs (delivery, sync, the visits' clock, mail...) until interrupted.",
    ),
    "check": CoreCommand(
        "roaming.cli.check:check_command",
        "Diagnose this node in plain words; exits with status 1 when something must be fixed.",
    ),
    "db": CoreCommand("roaming.cli.database:db_group", "Database migrations."),
    "users": CoreCommand("roaming.cli.accounts:users_group", "Staff and member accounts."),
    "tokens": CoreCommand("roaming.cli.accounts:tokens_group", "API bearer tokens."),
    "keys": CoreCommand("roaming.cli.keys:keys_group", "The node's Ed25519 signing keys."),
    "peers": CoreCommand("roaming.cli.peers:peers_group", "Partner nodes."),
    "sync": CoreCommand("roaming.cli.peers:sync_command", "Pull partners' catalogue changes now."),
    "coordinator": CoreCommand(
        "roaming.cli.federation:coordinator_group", "Admit clusters to the federation (on the coordinator node)."
    ),
    "registry": CoreCommand("roaming.cli.federation:registry_group", "This node's copy of the federation registry."),
    "import": CoreCommand("roaming.cli.importing:import_group", "Import a catalogue or members from JSON or CSV."),
    "demo": CoreCommand(
        "roaming.cli.demo:demo_command",
        "Start a demo federation of three cluster nodes (SQLite, loopback) until Ctrl+C.",
    ),
    "plugins": CoreCommand("roaming.cli.plugins:plugins_group", "The node's plugins: installed is not enabled."),
}


def _node_app(**overrides) -> Flask:
    from roaming.app import create_app  # imported here: the whole node, for the commands that need it

    info = click.get_current_context().ensure_object(ScriptInfo)
    return create_app({"INSTANCE_PATH": info.data.get("instance"), **overrides})


def node_app() -> Flask:
    """The node's app for commands that handle its start-up errors themselves."""
    return _node_app()


def node_without_plugins() -> Flask:
    """The node's app with no plugin loaded (for managing plugins that may not load)."""
    return _node_app(PLUGINS=[])


class NodeScriptInfo(ScriptInfo):
    """The node ``roaming`` works on: the instance folder of ``--instance``, else
    ``ROAMING_INSTANCE``, else ./instance. ``load_app`` builds its whole app, ``load_base_app``
    only its settings (and database)."""

    def __init__(self) -> None:
        super().__init__(create_app=node_app)

    def instance_path(self) -> Path:
        return resolve_instance_path(self.data.get("instance"))

    def enables_plugins(self) -> bool:
        """Whether the node's configuration enables a plugin, read without building the app; a
        configuration that cannot be read enables none here (the commands that load the node
        report what is wrong with it)."""
        try:
            return bool(configured_plugins(self.instance_path()))
        except (ConfigurationError, ValueError):
            return False

    def in_testing_mode(self) -> bool:
        """Whether the node's settings (roaming.toml, ``ROAMING_*`` variables) put it in testing
        mode, read without building the app; settings that cannot be read say no here (the
        commands that load the node report what is wrong with them)."""
        try:
            return bool(settings.load(self.instance_path(), os.environ).get("TESTING"))
        except (ConfigurationError, ValueError, OSError):
            return False

    def load_base_app(self, *, database: bool) -> Flask:
        return create_base_app({"INSTANCE_PATH": self.data.get("instance")}, database=database)


def with_appcontext(command):
    """Decorator: run the command in the node's app context, as ``flask.cli.with_appcontext``
    does, and make the command one transaction: what it wrote is committed when it returns; an
    error rolls it back with the app context (operations flush, the command commits)."""

    @click.pass_context
    def run_in_app(ctx: click.Context, /, *args, **kwargs):
        if not current_app:
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        result = ctx.invoke(command, *args, **kwargs)
        _commit_command()
        return result

    return update_wrapper(run_in_app, command)


def _commit_command() -> None:
    db_session = g.get("db_session")  # None when the command used no database
    if db_session is not None:
        db_session.commit()


def with_base_app(*, database: bool):
    """Decorator: run the command in an app context of the node's base app (its settings, and its
    database with ``database``; ``roaming.base_app``), for commands that read nothing else: they
    start without importing the routes and plugins. In an app context already, or with an app
    handed over by a test's CLI runner, that app is used, as ``flask.cli.with_appcontext`` does."""

    def decorate(command):
        @click.pass_context
        def run_in_base_app(ctx: click.Context, /, *args, **kwargs):
            if not current_app:
                info = ctx.ensure_object(ScriptInfo)
                app = info.load_base_app(database=database) if isinstance(info, NodeScriptInfo) else info.load_app()
                ctx.with_resource(app.app_context())
            result = ctx.invoke(command, *args, **kwargs)
            _commit_command()
            return result

        return update_wrapper(run_in_base_app, command)

    return decorate


def _remember_instance(ctx: click.Context, _param, value):
    if value is not None:
        ctx.ensure_object(ScriptInfo).data["instance"] = value
    return value


instance_option = click.option(
    "--instance",
    envvar="ROAMING_INSTANCE",
    type=click.Path(file_okay=False),
    callback=_remember_instance,
    expose_value=False,
    is_eager=True,
    help="The node's instance folder (default: ./instance; env ROAMING_INSTANCE).",
)


class RoamingGroup(click.Group):
    """The core's commands (``CORE_COMMANDS``, imported when used), and those of the node's
    enabled plugins."""

    def resolve_command(self, ctx, args):
        info = ctx.ensure_object(ScriptInfo)
        for index, word in enumerate(args):  # --instance after the command's name: needed now
            if word == "--instance" and index + 1 < len(args):
                info.data.setdefault("instance", args[index + 1])
            elif word.startswith("--instance="):
                info.data.setdefault("instance", word.split("=", 1)[1])
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            ctx.fail(self._unknown_command(info, name))
        return super().resolve_command(ctx, args)

    @staticmethod
    def _unknown_command(info: ScriptInfo, name: str) -> str:
        """Why ``name`` is no command here: a plugin's commands exist only on a node that enables
        the plugin."""
        message = f"No such command '{name}'."
        if not isinstance(info, NodeScriptInfo):
            return message
        instance = info.instance_path()
        if not instance.is_dir():
            return (
                f"{message} If a plugin adds it, it exists only for a node that enables that plugin, and "
                f"there is no node's instance folder at {instance}: run the command where the node's "
                "'instance' folder is, or pass --instance DIR."
            )
        return (
            f"{message} If a plugin adds it, enable the plugin on the node at {instance} "
            "('roaming plugins list' shows what is installed, 'roaming plugins enable NAME' enables it)."
        )

    def get_command(self, ctx, cmd_name):
        if cmd_name in CORE_COMMANDS:
            return CORE_COMMANDS[cmd_name].load()
        return self._plugin_commands(ctx).get(cmd_name)

    def list_commands(self, ctx):
        return sorted({*CORE_COMMANDS, *self._plugin_commands(ctx)})

    def format_commands(self, ctx, formatter):
        """The commands with their one-line help, as click lists them, the core's from their
        summaries (so listing them imports none)."""
        plugin_commands = self._plugin_commands(ctx)
        names = sorted({*CORE_COMMANDS, *plugin_commands})
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in CORE_COMMANDS:
                rows.append((name, CORE_COMMANDS[name].short_help(limit)))
            elif not plugin_commands[name].hidden:
                rows.append((name, plugin_commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    @staticmethod
    def _plugin_commands(ctx) -> dict[str, click.Command]:
        info = ctx.ensure_object(ScriptInfo)
        if isinstance(info, NodeScriptInfo) and not info.enables_plugins():
            return {}
        try:
            app = info.load_app()
        except Exception:  # noqa: BLE001 - no node here (or it does not start): core commands only
            return {}
        group = click.Group()
        app.extensions["roaming.plugins"].hook.roaming_register_commands(cli=group)
        return group.commands


@click.group(cls=RoamingGroup, help="A node of the Business Roaming Agreement federation.")
@click.version_option(__version__, prog_name="roaming")
@instance_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Before each command: on a node in testing mode, a warning on stderr."""
    info = ctx.ensure_object(ScriptInfo)
    if isinstance(info, NodeScriptInfo) and info.in_testing_mode():
        from roaming.accounts.operations import testing_mode_warning  # imported here: rarely needed

        click.echo(f"Warning: {testing_mode_warning()}", err=True)


def main() -> None:
    try:
        cli.main(obj=NodeScriptInfo(), prog_name="roaming", standalone_mode=True)
    except Exception as error:
        if not _stopped_start_up(error):
            raise
        raise SystemExit(f"Error: {error}") from None


def _stopped_start_up(error: Exception) -> bool:
    """Whether a setting or a plugin stopped the node from starting (the message names which)."""
    from roaming.plugins import PluginError  # imported here: loaded already whenever one was raised

    return isinstance(error, ConfigurationError | PluginError)
