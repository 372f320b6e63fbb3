"""Signed outgoing webhooks on visit events: the ``webhooks`` plugin for roaming nodes."""

from __future__ import annotations

from pathlib import Path

from roaming.plugins import Job, hookimpl
from roaming_webhooks import models  # noqa: F401 - its tables on the metadata, for its migrations

NAME = "webhooks"
roaming_plugin_api = ">=1.1,<2"  # the plugin API versions it works with (docs/plugins.md)
DELIVERY_INTERVAL_SECONDS = 1.0


@hookimpl
def roaming_default_settings():
    return {"timeout_seconds": 10, "max_attempts": 10, "retry_base_seconds": 30, "include_personal_data": False}


@hookimpl
def roaming_migrations_dir():
    return Path(__file__).parent / "migrations"


@hookimpl
def roaming_visit_created(visit, origin):
    from roaming_webhooks import events

    events.queue_visit_event(visit, "requested", previous=None)


@hookimpl
def roaming_visit_state_changed(visit, old, new):
    from roaming_webhooks import events

    events.queue_visit_event(visit, new.value, previous=old.value)


@hookimpl
def roaming_register_jobs():
    from roaming_webhooks import delivery

    return [Job("deliver", DELIVERY_INTERVAL_SECONDS, delivery.deliver_due)]


@hookimpl
def roaming_register_commands(cli):
    from roaming_webhooks.commands import webhooks_group

    cli.add_command(webhooks_group)
