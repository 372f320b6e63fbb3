"""The ``roaming`` command line.

Commands that work on an existing node take ``--instance DIR`` (or ``ROAMING_INSTANCE``) and
run inside that node's app context; tests pass an app through Flask's CLI runner instead.
"""

from __future__ import annotations

import click
from flask.cli import ScriptInfo

from roaming import __version__
from roaming.app import create_app


def _app_for_command():
    info = click.get_current_context().find_object(ScriptInfo)
    return create_app({"INSTANCE_PATH": info.data.get("instance")})


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


@click.group(help="A node of the Business Roaming Agreement federation.")
@click.version_option(__version__, prog_name="roaming")
def cli() -> None:
    pass


def main() -> None:
    cli.main(obj=ScriptInfo(create_app=_app_for_command), prog_name="roaming")


def _register() -> None:
    from roaming.cli import accounts, database, demo, federation, importing, keys, node, peers

    for module in (node, database, accounts, keys, peers, federation, importing, demo):
        module.register(cli)


_register()
