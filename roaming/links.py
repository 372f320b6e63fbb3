"""Links that staff and partners give (a cluster's website, a news item's link, an event's online
address) and that pages and e-mails show: only ``http``, ``https`` and ``mailto``.

A ``javascript:`` or ``data:`` link runs in the page of whoever clicks it, so such links are
refused twice: when saved (the ``Link`` schema field, used by every schema that takes one: the
API, the staff's forms and the imports; a partner's mirrored items are cleaned the same way in
``roaming.peers.mirror``) and when shown (``external_link``, which every template showing such a
link calls, e-mails included), where a link that is not safe, such as one stored before this
check, is shown as text.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from markupsafe import Markup
from marshmallow import ValidationError, fields, validate

SCHEMES = ("http", "https", "mailto")
MAX_LENGTH = 300


def link_problem(value: object) -> str | None:
    """Why ``value`` is not a link a page may show, in a sentence; None when it is one.

    A link is text without spaces, control or invisible characters and backslashes (browsers drop
    some and read the others as ``/``, so ``java\\tscript:`` is ``javascript:``), with the scheme
    ``http`` or ``https`` and a host, or ``mailto`` and an address."""
    if not isinstance(value, str):
        return "A link must be text."
    if "\\" in value or any(unicodedata.category(char)[0] in "CZ" for char in value):
        return "A link must not contain spaces, control characters or backslashes."
    scheme, colon, rest = value.partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in SCHEMES:
        return "Only http, https and mailto links are accepted, such as https://example.org."
    if scheme == "mailto":
        return None if "@" in rest.partition("?")[0] else "A mailto link needs an address: mailto:name@example.org."
    return None if rest.startswith("//") and urlsplit(value).hostname else "An http(s) link needs a host."


def safe_link(value: object) -> str | None:
    """``value`` when it is a link a page may show (``link_problem``), else None."""
    return value if isinstance(value, str) and link_problem(value) is None else None


def page_href(value: object) -> str | None:
    """``value`` when a page may put it in an ``href``: a safe link (``safe_link``) or a fragment
    of the page itself (``#result-3``, as the search map makes); else None. A Jinja filter."""
    if isinstance(value, str) and value.startswith("#"):
        return value if not any(unicodedata.category(char)[0] in "CZ" for char in value) else None
    return safe_link(value)


def external_link(url: str | None, label: object = None) -> Markup:
    """``url`` as a link to open (``label`` its text, else the address itself) when it is safe
    (``safe_link``), else as plain text: never a link that runs script. A Jinja global."""
    if not url:
        return Markup("")
    if safe_link(url) is None:
        return Markup("{}").format(url)
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(url, label or url)


def _check(value: str) -> None:
    problem = link_problem(value)
    if problem:
        raise ValidationError(problem)
    if not value.lower().startswith("mailto:"):
        validate.URL(schemes={"http", "https"})(value)


class Link(fields.String):
    """A link field (schemas of the API, forms, imports): http, https or mailto only, at most
    ``MAX_LENGTH`` characters; refused with a 422 that says why."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "An http, https or mailto link"})
        super().__init__(validate=[validate.Length(max=MAX_LENGTH), _check], **kwargs)
