"""Makerspace equipment booked by the hour: the ``makerspace`` plugin for roaming nodes."""

from __future__ import annotations

from pathlib import Path

from roaming.plugins import MenuEntry, ServiceKind, hookimpl
from roaming_makerspace import models  # noqa: F401 - its tables on the metadata, for its migrations

NAME = "makerspace"
roaming_plugin_api = ">=1.2,<2"  # the plugin API versions it works with (docs/plugins.md): 1.2 for the staff menu


@hookimpl
def roaming_default_settings():
    return {"opens": 9, "closes": 18, "max_hours": 4, "service_name": "Makerspace equipment"}


@hookimpl
def roaming_register_service_kinds():
    from roaming_makerspace import booking

    return [
        ServiceKind(
            NAME,
            "Makerspace and lab equipment, by the hour",
            options=booking.options_for,
            reserve=booking.reserve,
            release=booking.release,
        )
    ]


@hookimpl
def roaming_migrations_dir():
    return Path(__file__).parent / "migrations"


@hookimpl
def roaming_register_blueprints(app):
    from roaming_makerspace.pages import bp

    app.register_blueprint(bp)


@hookimpl
def roaming_staff_menu():
    from flask_babel import lazy_gettext as _l

    return [MenuEntry(_l("Makerspace"), f"{NAME}.equipment")]


@hookimpl
def roaming_register_commands(cli):
    from roaming_makerspace.commands import makerspace_group

    cli.add_command(makerspace_group)
