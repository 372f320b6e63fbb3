"""``roaming plugins``: list, enable, disable, and start a new plugin.

These commands load the node without its plugins, so a plugin that no longer loads can still be
listed and disabled.
"""

from __future__ import annotations

from pathlib import Path

import click

from roaming.cli import instance_option, node_without_plugins
from roaming.plugins import PluginError, inventory, scaffold


@click.group("plugins", help="The node's plugins: installed is not enabled.")
def plugins_group():
    pass


@plugins_group.command("list")
@instance_option
def list_command():
    """Installed plugins: version, enabled, what each adds; then the node's own built-in parts."""
    infos = inventory.plugins_of(node_without_plugins())
    installed = [info for info in infos if not info.builtin]
    if not installed:
        click.echo("No plugin is installed (docs/plugins.md says how to install or write one).")
    for info in installed:
        state = "enabled" if info.enabled else "installed, not enabled"
        click.echo(f"{info.name} {info.version}".rstrip() + f"  [{state}]")
        if info.summary:
            click.echo(f"    {info.summary}")
        for line in info.adds:
            click.echo(f"    - {line}")
        if info.error:
            click.echo(f"    ! {info.error}")
    click.echo("Built in, the node's own parts (registered like plugins):")
    for info in infos:
        if info.builtin:
            click.echo(f"    {info.name}: {'; '.join(map(str, info.adds))}")


@plugins_group.command("enable")
@instance_option
@click.argument("name")
def enable_command(name):
    """Enable an installed plugin and create its tables; takes effect at the next restart."""
    _report(inventory.enable, name)


@plugins_group.command("disable")
@instance_option
@click.argument("name")
def disable_command(name):
    """Disable a plugin (its data is kept); takes effect at the next restart."""
    _report(inventory.disable, name)


@plugins_group.command("new")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Where to create the plugin's folder.",
)
def new_command(name, directory):
    """Create a ready-to-install plugin (with a test) in DIRECTORY/NAME."""
    try:
        folder = scaffold.new_plugin(name, directory)
    except PluginError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created roaming-plugin-{name} in {folder}")
    click.echo(f"Next: pip install -e {folder} && roaming plugins enable {name}, then restart the node.")


def _report(action, name: str) -> None:
    try:
        lines = action(node_without_plugins(), name)
    except PluginError as error:
        raise click.ClickException(str(error)) from None
    for line in lines:
        click.echo(line)
