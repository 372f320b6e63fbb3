"""Where a page may send a browser after it: a ``next`` that came with the request.

A ``next`` is written by whoever made the link, so it is checked strictly: only a plain path on
this node passes, and anything else (another site, a scheme, a backslash, a control character, a
percent-encoded trick such as ``/%09/evil.example``, which browsers read as ``//evil.example``)
falls back to the home page. Nothing is refused with an error: the person following such a link
did nothing wrong, and the fall-back tells an attacker nothing.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import url_for

MAX_LENGTH = 2000
REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")  # controls, invisible marks, line breaks


def same_site_path(target: str | None) -> str | None:
    """``target`` when it is a path on this node that every browser reads as one, else None.

    The value, and the value with its percent escapes decoded once (a proxy or a later redirect
    may decode them), must each: start with one ``/`` (not ``//``), hold no backslash (browsers
    read it as ``/``) and no control, invisible or line-breaking character (browsers drop tabs and
    newlines, so ``/\\t/host`` becomes ``//host``, and CR/LF would end the Location header), and
    parse with no scheme and no host. Longer than ``MAX_LENGTH``: refused."""
    if not isinstance(target, str) or len(target) > MAX_LENGTH:
        return None
    if all(_plain_path(form) for form in (target, unquote(target))):
        return target
    return None


def safe_next(target: str | None) -> str:
    """``target`` if it is a same-site path (``same_site_path``), else the home page."""
    return same_site_path(target) or url_for("web.home")


def _plain_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
