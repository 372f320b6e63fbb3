"""Desk availability from iCalendar feeds: the ``deskcal`` plugin for roaming nodes."""

from __future__ import annotations

from pathlib import Path

from roaming.plugins import Job, hookimpl
from roaming_deskcal import models  # noqa: F401 - its tables on the metadata, for its migrations

NAME = "deskcal"
roaming_plugin_api = ">=1.0,<2"  # the plugin API versions it works with (docs/plugins.md)


@hookimpl
def roaming_default_settings():
    return {"feeds": {}, "refresh_seconds": 300, "timeout_seconds": 20, "days_ahead": 366}


@hookimpl
def roaming_migrations_dir():
    return Path(__file__).parent / "migrations"


@hookimpl
def roaming_availability(resource, start, end):
    from roaming_deskcal import feeds

    return feeds.busy_answer(resource, start, end)


@hookimpl
def roaming_register_jobs():
    from roaming.plugins import settings
    from roaming_deskcal import feeds

    return [Job("refresh", float(settings(NAME)["refresh_seconds"]), feeds.refresh_all)]


@hookimpl
def roaming_register_commands(cli):
    from roaming_deskcal.commands import deskcal_group

    cli.add_command(deskcal_group)
