"""Staff edit the cluster's profile and catalogue (locations, desks, rooms, services, events) in
the browser. Every change goes through the same operations as the API, so partners see it in
the change feed; refused input comes back with the schema's messages beside the fields."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from roaming.accounts.security import STAFF, require_page
from roaming.catalogue import operations as ops
from roaming.catalogue.forms import FORMS, missing, to_data, to_form
from roaming.catalogue.models import ClusterProfile, Desk, Event, Location, MeetingRoom, NewsItem, RateUnit, Service
from roaming.catalogue.service_kinds import kind_of
from roaming.errors import NotFound
from roaming.forms import as_text, submitted
from roaming.labels import RATE_UNITS, SERVICE_KINDS, label
from roaming.plugins import service_kinds

bp = Blueprint("catalogue_pages", __name__, url_prefix="/staff/catalogue")
KINDS = {
    "locations": Location,
    "desks": Desk,
    "rooms": MeetingRoom,
    "services": Service,
    "events": Event,
    "news": NewsItem,
}
TITLES = {
    "locations": _l("Locations"),
    "desks": _l("Desks"),
    "rooms": _l("Meeting rooms"),
    "services": _l("Services"),
    "events": _l("Events"),
    "news": _l("News for the newsletter"),
}


def _model(kind: str) -> type:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _locations() -> dict[int, Location]:
    items, _total = ops.list_items(Location)
    return {location.id: location for location in items}


def _choices(locations: dict[int, Location]) -> dict[str, list[tuple[str, str]]]:
    return {
        "location_id": [(str(key), f"{location.name}, {location.city}") for key, location in locations.items()],
        "kind": [(name, kind_label(name)) for name in service_kinds()],
        "member_rate_unit": [(unit.value, label(RATE_UNITS, unit)) for unit in RateUnit],
    }


@bp.get("")
@require_page(*STAFF)
def overview():
    listed = {kind: ops.list_items(model)[0] for kind, model in KINDS.items()}
    return render_template("catalogue/overview.html", listed=listed, titles=TITLES, profile=_profile_or_none())


def _profile_or_none() -> ClusterProfile | None:
    try:
        return ops.get_profile()
    except NotFound:
        return None


@bp.route("/<kind>/new", methods=["GET", "POST"], endpoint="new")
@bp.route("/<kind>/<int:item_id>", methods=["GET", "POST"], endpoint="edit")
@require_page(*STAFF)
def edit(kind: str, item_id: int | None = None):
    model = _model(kind)
    try:
        item = ops.get_item(model, item_id) if item_id is not None else None
    except NotFound:
        abort(404)
    locations = _locations()
    errors: dict = {}
    values = to_form(model, ops.SCHEMAS[model]().dump(item)) if item is not None else {}
    if request.method == "POST":
        values = request.form
        data = to_data(model, request.form, locations)

        def save():
            if item is None:
                ops.create_item(model, ops.SCHEMAS[model]().load(data))
            else:
                ops.update_item(item, data)

        errors = submitted(save) | missing(model, request.form)  # any error: a 422, nothing kept
        if not errors:
            flash(_("Saved. Partners see the change at their next sync."), "ok")
            return redirect(url_for("catalogue_pages.overview") + f"#{kind}")
    return render_template(
        "catalogue/edit.html",
        kind=kind,
        title=TITLES[kind],
        item=item,
        fields=FORMS[model],
        values=values,
        errors=errors,
        choices=_choices(locations),
    ), 422 if errors else 200


@bp.route("/<kind>/<int:item_id>/delete", methods=["GET", "POST"])
@require_page(*STAFF)
def delete(kind: str, item_id: int):
    """GET asks to confirm, naming the item and what deleting it does; only the POST deletes."""
    try:
        item = ops.get_item(_model(kind), item_id)
    except NotFound:
        abort(404)
    if request.method == "GET":
        return render_template("catalogue/delete.html", kind=kind, title=TITLES[kind], item=item)
    errors = submitted(lambda: ops.delete_item(item))
    if errors:
        flash(as_text(errors), "error")
    else:
        flash(_("Deleted. Partners drop it at their next sync."), "ok")
    return redirect(url_for("catalogue_pages.overview") + f"#{kind}")


@bp.route("/profile", methods=["GET", "POST"])
@require_page(*STAFF)
def profile():
    current = _profile_or_none()
    values = to_form(ClusterProfile, ops.SCHEMAS[ClusterProfile]().dump(current)) if current else {}
    errors: dict = {}
    if request.method == "POST":
        values = request.form
        data = to_data(ClusterProfile, request.form, {})
        errors = submitted(lambda: ops.save_profile(ops.SCHEMAS[ClusterProfile]().load(data))) | missing(
            ClusterProfile, request.form
        )
        if not errors:
            flash(_("Saved. Partners see the change at their next sync."), "ok")
            return redirect(url_for("catalogue_pages.overview"))
    return render_template(
        "catalogue/edit.html",
        kind="profile",
        title=_("Cluster profile"),
        item=current,
        fields=FORMS[ClusterProfile],
        values=values,
        errors=errors,
        choices={},
    ), 422 if errors else 200


@bp.app_template_filter("kind_label")
def kind_label(name: str) -> str:
    kind = kind_of(name)
    return label(SERVICE_KINDS, name) if name in SERVICE_KINDS else (kind.label if kind else name)
