"""Staff see the reciprocity ledger: per partner, the desk days we hosted for its members and
those it hosted for ours, month by month, drawn as bar charts, with the totals and the CSV; the
receipts partners sent us that we refused; and on the coordinator, the receipts the federation's
figures leave out (disputed, unconfirmed) with both sides' figures."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template

from roaming.accounts.security import STAFF, require_page
from roaming.drawing import Bar, bar_scale
from roaming.ledger import coordination
from roaming.ledger import operations as ops
from roaming.ledger.models import Book

bp = Blueprint("ledger_pages", __name__, url_prefix="/staff/ledger")
MONTHS = 12


def _months_up_to(last: str, count: int = MONTHS) -> list[str]:
    """``count`` months ("YYYY-MM") ending with ``last``."""
    months, year, month = [], int(last[:4]), int(last[5:7])
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


@bp.get("")
@require_page(*STAFF)
def ledger():
    rows = ops.node_ledger()
    # visits are booked ahead: the charts end with the latest month that has figures
    months = _months_up_to(max([date.today().strftime("%Y-%m")] + [row["period"] for row in rows]))
    partners: dict[str, dict] = {}
    for row in rows:
        partner = partners.setdefault(
            row["partner"]["node_id"],
            {
                "name": row["partner"]["name"],
                "hosted": 0,
                "received": 0,
                "visits_hosted": 0,
                "visits_received": 0,
                "months": {month: Bar(month, 0, 0) for month in months},
            },
        )
        side = "hosted" if row["direction"] == "hosted_for" else "received"
        partner[side] += row["desk_days"]
        partner[f"visits_{side}"] += row["visits"]
        bar = partner["months"].get(row["period"])
        if bar is not None:
            setattr(bar, side, getattr(bar, side) + row["desk_days"])
    for partner in partners.values():
        partner["bars"] = list(partner["months"].values())
        partner["scale"] = bar_scale(partner["bars"])
    names = ops.node_names()
    return render_template(
        "ledger/ledger.html",
        partners=sorted(partners.values(), key=lambda p: p["name"]),
        refused=[(names.get(refusal.issuer, refusal.issuer), refusal) for refusal in ops.refusals(Book.NODE)],
        checks=coordination.checks() if current_app.config["COORDINATOR_ENABLED"] else None,
    )
