"""What a visitor chooses (equipment, day, start hour, hours), and reserving those hours."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import delete, select

from roaming.db import insert_if_absent, session
from roaming.errors import Conflict
from roaming.plugins import settings
from roaming_makerspace import NAME
from roaming_makerspace.models import Equipment, Reservation


def options_for(service) -> Schema:
    """The options schema, with the equipment in service now as the choices."""
    config = settings(NAME)
    machines = session.scalars(select(Equipment).where(Equipment.in_service.is_(True)).order_by(Equipment.name)).all()

    class BookingOptions(Schema):
        equipment = fields.String(
            required=True,
            validate=validate.OneOf(
                [machine.uid for machine in machines],
                labels=[machine.name for machine in machines],
                error="Choose one of the equipment in service: {labels}.",
            ),
            metadata={"description": "The equipment to book"},
        )
        day = fields.Date(required=True, metadata={"description": "One of the visit's days"})
        start = fields.Integer(
            required=True,
            strict=True,
            validate=validate.Range(min=config["opens"], max=config["closes"] - 1),
            metadata={"description": f"Starting hour ({config['opens']}-{config['closes'] - 1})"},
        )
        hours = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=config["max_hours"]))

        @validates_schema
        def _before_closing(self, data, **_kwargs):
            if "start" in data and "hours" in data and data["start"] + data["hours"] > config["closes"]:
                raise ValidationError(f"The makerspace closes at {config['closes']}:00.", "hours")

    return BookingOptions()


def reserve(visit, service, options: dict) -> None:
    """Reserve the hours in the request's transaction; raises ``ValidationError`` (a day that is
    not the visit's) or ``Conflict`` (an hour taken), and the whole request is refused."""
    days = {day.day for day in visit.days}
    if options["day"] not in days:
        raise ValidationError(f"{options['day']} is not one of the visit's days.", "day")
    machine = session.scalar(select(Equipment).where(Equipment.uid == options["equipment"]))
    for hour in range(options["start"], options["start"] + options["hours"]):
        taken = not insert_if_absent(
            Reservation, equipment_id=machine.id, day=options["day"], hour=hour, visit_uid=visit.uid
        )
        if taken:
            raise Conflict(
                f"The {machine.name} is booked at {hour}:00 on {options['day'].isoformat()}; choose another time."
            )


def release(visit, service) -> None:
    session.execute(delete(Reservation).where(Reservation.visit_uid == visit.uid))
