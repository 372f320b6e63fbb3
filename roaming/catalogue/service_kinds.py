"""The service kinds a node knows: the core kinds of the agreement, plus those plugins add."""

from __future__ import annotations

from marshmallow import ValidationError

CORE_SERVICE_KINDS: dict[str, str] = {
    "desk": "A desk in a shared office",
    "meeting_room": "A meeting or conference room",
    "internet": "Internet access",
    "introductions": "Introductions to the cluster management and members",
    "matchmaking": "Matchmaking with local companies",
    "market_briefing": "A briefing on the local market",
}


def service_kinds() -> dict[str, str]:
    """Every known kind with its label."""
    return dict(CORE_SERVICE_KINDS)


def validate_service_kind(value: str) -> None:
    if value not in service_kinds():
        known = ", ".join(sorted(service_kinds()))
        raise ValidationError(f"Unknown service kind '{value}'; known kinds: {known}.")
