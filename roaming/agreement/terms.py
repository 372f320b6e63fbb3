"""Agreement terms as data.

The federation's defaults are the real BRA's: free facilities for at most 5 consecutive working
days per visit (desk, meeting room, internet, introductions to the cluster management), member
rates beyond that, local events at member rate, and the host decides. The coordinator publishes
the federation's terms in the signed registry (from its ``AGREEMENT_TERMS`` setting); a node with
no coordinator uses its own ``AGREEMENT_TERMS`` (``local_terms``). A host may vary them for one
partner cluster (``roaming.peers.variations``); the host's effective terms for a visitor's home
cluster are what count, and the visitor is shown them before asking.
"""

from __future__ import annotations

import difflib
from typing import cast

from flask import current_app
from marshmallow import ValidationError

from roaming.agreement.schemas import TermsSchema
from roaming.config import ConfigurationError

BRA_TERMS: dict = {
    "free_days_per_visit": 5,
    "visits_per_company_per_year": None,
    "included_services": ["desk", "meeting_room", "internet", "introductions"],
    "beyond_free_days": "member_rate",
    "events_at_member_rate": True,
    "desk_confirmation": "approval",
    "approval_deadline_hours": 72,
    "cancellation_deadline_hours": 24,
    "checkin_by": "11:00",
    "max_people": 3,
}


def validated(changes: dict, field: str = "AGREEMENT_TERMS") -> dict:
    """Terms (complete or partial) checked against the schema; raises ``ValidationError``."""
    try:
        return TermsSchema(partial=True).load(changes)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def check_config(app) -> None:
    """Refuse to start with agreement terms that do not validate: one line per bad key, as
    ``agreement_terms.max_pepole: unknown term; did you mean max_people?`` (the key is set in
    roaming.toml's ``[agreement_terms]`` table or by ``ROAMING_AGREEMENT_TERMS__<KEY>``)."""
    try:
        validated(app.config.get("AGREEMENT_TERMS") or {})
    except ValidationError as error:
        known = sorted(TermsSchema().fields)
        lines = []
        by_key = cast(dict, error.messages)["AGREEMENT_TERMS"]  # validated() names the setting
        for key, messages in sorted(by_key.items()):
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]}?" if close else f"the terms are {', '.join(known)}"
                lines.append(f"agreement_terms.{key}: unknown term; {hint}")
            else:
                lines.append(f"agreement_terms.{key}: {' '.join(messages)}")
        raise ConfigurationError(
            "\n".join(lines) + "\n(set in roaming.toml's [agreement_terms] table or by ROAMING_AGREEMENT_TERMS__<KEY>)"
        ) from None


def local_terms() -> dict:
    return {**BRA_TERMS, **validated(current_app.config.get("AGREEMENT_TERMS") or {})}
