"""The network's public pages: the federation map, recently joined clusters and the "Cluster in
focus" newsletter; members subscribe to its e-mail digest, staff send it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from roaming.accounts.security import STAFF, csrf_valid, current_user, require_page
from roaming.drawing import Place, map_view
from roaming.network import operations as ops

bp = Blueprint("network_pages", __name__, url_prefix="/network")
PERIODS = (30, 90, 365)


@bp.get("")
def network():
    clusters = ops.member_clusters()
    places = [
        Place(cluster.node_id, cluster.name, cluster.latitude, cluster.longitude, here=cluster.here)
        for cluster in clusters
        if cluster.latitude is not None and cluster.longitude is not None
    ]
    links = ops.connections()
    return render_template(
        "network/network.html",
        clusters=clusters,
        map=map_view(places, links) if places else None,
        links=links,
        names={cluster.node_id: cluster.name for cluster in clusters},
        joined=ops.recently_joined(clusters),
    )


def _days() -> int:
    days = request.args.get("days", "30")
    return int(days) if days.isdigit() and int(days) in PERIODS else PERIODS[0]


@bp.get("/newsletter")
def newsletter():
    days = _days()
    since = ops.digest_period(days)
    user = current_user()
    return render_template(
        "network/newsletter.html",
        news=ops.news(since),
        studies=ops.recent_case_studies(since),
        days=days,
        periods=PERIODS,
        names=ops.ledger.node_names(),
        subscribed=user.person.newsletter if user is not None and user.person is not None else None,
    )


@bp.post("/newsletter/subscription")
@require_page()
def subscription():
    person = current_user().person
    if person is None:
        abort(403)
    if csrf_valid():
        wanted = request.form.get("subscribe") == "yes"
        ops.subscribe(person, wanted)
        flash(
            _("You will receive the newsletter by e-mail.")
            if wanted
            else _("You will no longer receive the newsletter."),
            "ok",
        )
    return redirect(url_for("network_pages.newsletter"))


@bp.post("/newsletter/send")
@require_page(*STAFF)
def send():
    if csrf_valid():
        count = ops.send_digest(_days())
        flash(_("The digest was queued for %(count)s subscribers.", count=count), "ok")
    return redirect(url_for("network_pages.newsletter"))
