"""The staff page: the equipment, its upcoming reservations, and a form to add more."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from roaming.accounts.security import STAFF, require_page
from roaming.errors import DomainError
from roaming_makerspace import NAME, operations

bp = Blueprint(NAME, __name__, url_prefix=f"/{NAME}", template_folder="templates")


@bp.route("/equipment", methods=["GET", "POST"])
@require_page(*STAFF)
def equipment():
    """List and add equipment; the form's errors show beside its fields."""
    errors: dict = {}
    if request.method == "POST":
        try:
            fields = {key: request.form.get(key, "") for key in ("name", "description")}
            operations.add_equipment(operations.EquipmentSchema().load(fields))
        except ValidationError as invalid:
            errors = invalid.messages
        except DomainError as refused:
            errors = {"name": [refused.message]}
        else:
            return redirect(url_for(f"{NAME}.equipment"))
    status = 422 if errors else 200
    return render_template(
        "makerspace/equipment.html",
        machines=operations.equipment(),
        reservations=operations.upcoming(date.today()),
        errors=errors,
        form=request.form,
    ), status


@bp.post("/equipment/<uid>/<any(retire, restore):action>")
@require_page(*STAFF)
def switch(uid: str, action: str):
    operations.set_in_service(uid, action == "restore")
    return redirect(url_for(f"{NAME}.equipment"))
