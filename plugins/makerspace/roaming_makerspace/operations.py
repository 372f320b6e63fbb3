"""Managing the equipment (staff page and commands)."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from roaming.catalogue.models import Service
from roaming.catalogue.operations import create_item
from roaming.db import session
from roaming.errors import Conflict, NotFound
from roaming.plugins import settings
from roaming_makerspace import NAME
from roaming_makerspace.models import Equipment, Reservation


class EquipmentSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


def equipment() -> list[Equipment]:
    return list(session.scalars(select(Equipment).order_by(Equipment.name)))


def add_equipment(data: dict) -> Equipment:
    """Add equipment (``data`` loaded by ``EquipmentSchema``). The first one also publishes the
    node's makerspace service, so partners' visitors can request it."""
    if session.scalar(select(Equipment).where(Equipment.name == data["name"])):
        raise Conflict(f"There is equipment called {data['name']} already.")
    machine = Equipment(**data)
    session.add(machine)
    session.commit()
    if session.scalar(select(Service).where(Service.kind == NAME)) is None:
        create_item(Service, {"kind": NAME, "name": settings(NAME)["service_name"], "free_under_agreement": True})
    return machine


def set_in_service(uid: str, in_service: bool) -> Equipment:
    machine = session.scalar(select(Equipment).where(Equipment.uid == uid))
    if machine is None:
        raise NotFound(f"No equipment {uid}.")
    machine.in_service = in_service
    session.commit()
    return machine


def upcoming(since: date) -> list[Reservation]:
    return list(
        session.scalars(select(Reservation).where(Reservation.day >= since).order_by(Reservation.day, Reservation.hour))
    )
