"""A demo federation: real clusters' nodes with realistic catalogues, built into a temporary folder.

The data files in ``data/`` hold each cluster's catalogue in the import format, except that
events give ``day_offset``, ``start`` and ``end`` (local times) so that they always lie ahead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from federation.keys import KeyRing
from roaming.accounts.models import Role
from roaming.accounts.operations import create_user, find_user_by_email, update_user
from roaming.app import create_app
from roaming.catalogue.importer import import_catalogue_document
from roaming.coordinator.models import MembershipStatus
from roaming.coordinator.operations import add_application, change_status
from roaming.db import engine_for, session
from roaming.instance import create_instance
from roaming.members.importer import import_companies
from roaming.members.operations import find_person_by_email
from roaming.peers.registry import refresh

CLUSTERS = ("cyberforum", "systematic", "itcork")
COORDINATOR = "cyberforum"  # CyberForum coordinated the real agreement from 2014
DEMO_PASSWORD = "roaming-demo"
# Short intervals, so that a change shows at the other nodes within seconds.
DEMO_SETTINGS = {"registry_refresh_seconds": 5, "worker_tick_seconds": 0.5, "sync_interval_seconds": 60}


@dataclass(frozen=True)
class DemoNode:
    slug: str
    name: str
    instance: Path
    url: str
    logins: dict[str, str]  # role -> e-mail; every demo login has DEMO_PASSWORD

    @property
    def key_id(self) -> str:
        return KeyRing(self.instance).signing_key().key_id


def admit_members(coordinator: DemoNode, members: list[DemoNode]) -> None:
    """The coordinator admits the running member nodes (as its admin would with the CLI)."""
    app = create_app({"INSTANCE_PATH": coordinator.instance})
    with app.app_context():
        for member in members:
            membership = add_application(member.url, member.key_id, "Demo federation")
            change_status(membership, MembershipStatus.ADMITTED)
        session.commit()
        refresh()
    engine_for(app).dispose()


def load_data(slug: str) -> dict:
    return json.loads(files("roaming.demo").joinpath("data", f"{slug}.json").read_text(encoding="utf-8"))


def build_node(slug: str, folder: Path, url: str, settings: dict | None = None, today: date | None = None) -> DemoNode:
    """Create and fill one demo node's instance under ``folder``."""
    data = load_data(slug)
    node = data["node"]
    instance = folder / slug
    admin_email = f"admin@{node['domain']}"
    create_instance(
        instance,
        name=node["name"],
        country=node["country"],
        base_url=url,
        admin_email=admin_email,
        settings={**DEMO_SETTINGS, **(settings or {})},
    )
    app = create_app({"INSTANCE_PATH": instance})
    with app.app_context():
        import_catalogue_document(_dated(data["catalogue"], today or date.today()))
        import_companies(data["members"])
        update_user(find_user_by_email(admin_email), {"password": DEMO_PASSWORD})
        create_user(
            email=data["logins"]["staff"],
            name=f"{node['name']} host staff",
            role=Role.HOST_STAFF,
            password=DEMO_PASSWORD,
        )
        person = find_person_by_email(data["logins"]["member"])
        create_user(email=person.email, name=person.name, role=Role.MEMBER, password=DEMO_PASSWORD, person_id=person.id)
        session.commit()
    engine_for(app).dispose()
    logins = {"admin": admin_email, "host staff": data["logins"]["staff"], "member": data["logins"]["member"]}
    return DemoNode(slug, node["name"], instance, url, logins)


def _dated(catalogue: dict, today: date) -> dict:
    """The catalogue with each event's day offset and local times turned into timestamps."""
    zones = {loc["key"]: loc["timezone"] for loc in catalogue.get("locations", [])}
    events = []
    for event in catalogue.get("events", []):
        event = dict(event)
        zone = ZoneInfo(event.get("timezone") or zones[event["location"]])
        day = today + timedelta(days=event.pop("day_offset"))
        for key, field in (("start", "starts_at"), ("end", "ends_at")):
            local = datetime.combine(day, time.fromisoformat(event.pop(key)), zone)
            event[field] = local.isoformat()
        events.append(event)
    return {**catalogue, "events": events}
