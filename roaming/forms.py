"""Posted forms in the pages: check the CSRF token, run the operation, and turn what it refuses
into messages by field, for the templates' ``field`` macro to show beside each field."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from marshmallow import ValidationError

from roaming.accounts.security import csrf_valid
from roaming.errors import DomainError


def submitted(save: Callable[[], object]) -> dict[str, list[str]]:
    """Run ``save`` for a posted form; {} when it worked, else the messages by top-level field
    (``_form`` for those about the whole form; a refusal whose ``errors`` name fields, as
    ``{"json": {field: [message]}}``, is shown beside those fields). A refused ``save`` has changed
    nothing."""
    try:
        if not csrf_valid():
            raise DomainError(_("The form expired; please send it again."))
        save()
    except ValidationError as invalid:
        return errors_by_field(invalid.normalized_messages())
    except DomainError as refused:
        about_fields = (refused.errors or {}).get("json")
        return errors_by_field(about_fields) if isinstance(about_fields, dict) else {"_form": [refused.message]}
    return {}


def errors_by_field(messages: dict) -> dict[str, list[str]]:
    """Marshmallow's messages, nested ones (an item of a list, a day of the opening hours) joined
    under their top-level field."""
    return {name if name != "_schema" else "_form": _texts(value) for name, value in messages.items()}


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [text for inner in value.values() for text in _texts(inner)]
    if isinstance(value, list):
        return [text for inner in value for text in _texts(inner)]
    return [str(value)]


def as_text(errors: dict[str, list[str]]) -> str:
    """All the messages in one line, for a flashed notice."""
    return " ".join(text for texts in errors.values() for text in texts)
