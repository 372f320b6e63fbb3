"""The ``roaming`` command line.

Commands that work on an existing node take ``--instance DIR`` (or ``ROAMING_INSTANCE``) and
run inside that node's app context; tests pass an app through Flask's CLI runner instead.
Enabled plugins add their own commands (``roaming_register_commands``): to find them the node is
loaded from ``roaming --instance DIR`` or ``ROAMING_INSTANCE`` (default ./instance).
"""

from __future__ import annotations

import click
from flask.cli import ScriptInfo

from roaming import __version__
from roaming.app import create_app
from roaming.config import ConfigurationError
from roaming.plugins import PluginError


def _app_for_command():
    info = click.get_current_context().find_object(ScriptInfo)
    return create_app({"INSTANCE_PATH": info.data.get("instance")})


def node_app():
    """The node's app for commands that handle its start-up errors themselves."""
    return _app_for_command()


def node_without_plugins():
    """The node's app with no plugin loaded (for managing plugins that may not load)."""
    info = click.get_current_context().find_object(ScriptInfo)
    return create_app({"INSTANCE_PATH": info.data.get("instance"), "PLUGINS": []})


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
    """The core's commands, and those of the node's enabled plugins."""

    def resolve_command(self, ctx, args):
        info = ctx.ensure_object(ScriptInfo)
        for index, word in enumerate(args):  # --instance after the command's name: needed now
            if word == "--instance" and index + 1 < len(args):
                info.data.setdefault("instance", args[index + 1])
            elif word.startswith("--instance="):
                info.data.setdefault("instance", word.split("=", 1)[1])
        return super().resolve_command(ctx, args)

    def get_command(self, ctx, cmd_name):
        return super().get_command(ctx, cmd_name) or self._plugin_commands(ctx).get(cmd_name)

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    @staticmethod
    def _plugin_commands(ctx) -> dict[str, click.Command]:
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except Exception:  # noqa: BLE001 - no node here (or it does not start): core commands only
            return {}
        group = click.Group()
        app.extensions["roaming.plugins"].hook.roaming_register_commands(cli=group)
        return group.commands


@click.group(cls=RoamingGroup, help="A node of the Business Roaming Agreement federation.")
@click.version_option(__version__, prog_name="roaming")
@instance_option
def cli() -> None:
    pass


def main() -> None:
    try:
        cli.main(obj=ScriptInfo(create_app=_app_for_command), prog_name="roaming", standalone_mode=True)
    except (PluginError, ConfigurationError) as error:  # start-up stopped by a plugin or a setting, named
        raise SystemExit(f"Error: {error}") from None


def _register() -> None:
    from roaming.cli import accounts, check, database, demo, federation, importing, keys, node, peers, plugins

    for module in (node, check, database, accounts, keys, peers, federation, importing, demo, plugins):
        module.register(cli)


_register()
