"""``roaming deskcal``: read the desks' calendars now, and see how each feed is doing."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from roaming.cli import instance_option
from roaming.db import session
from roaming.plugins import settings
from roaming_deskcal import NAME, feeds
from roaming_deskcal.models import FeedState


@click.group("deskcal", help="Desk availability from the cluster's booking calendars.")
def deskcal_group():
    pass


@deskcal_group.command("refresh")
@instance_option
@with_appcontext
def refresh_command():
    """Read every desk's feed now."""
    for desk_uid, outcome in feeds.refresh_all().items():
        click.echo(f"{desk_uid}: {outcome}")


@deskcal_group.command("status")
@instance_option
@with_appcontext
def status_command():
    """Each configured feed: when it was read, busy days, the last error."""
    for desk_uid in settings(NAME)["feeds"]:
        state = session.scalar(select(FeedState).where(FeedState.desk_uid == desk_uid))
        if state is None:
            click.echo(f"{desk_uid}: not read yet")
            continue
        read = state.read_at.isoformat(timespec="seconds") if state.read_at else "never"
        problem = f"; failing since {state.failed_at:%Y-%m-%d %H:%M}: {state.last_error}" if state.failed_at else ""
        click.echo(f"{desk_uid}: read {read}, {state.busy_days} busy day(s){problem}")
