"""Languages of the web pages: English, German and French (Flask-Babel).

The page language is, in order: the one the user chose with the language switch (kept in the
browser session and, for a member person, saved as their profile's language), the profile's
language, the browser's ``Accept-Language``, English. Dates, months, times, money, countries and
sectors are shown for that language (the template filters below). Times are shown without
seconds, in the zone of the place they happen, or the node's own zone (``HOME_ZONE``); the page
names each zone it used once, at its foot (``zones_shown``), not after every time. E-mails are
made in their recipient's language (``written_in``), whoever's request or job makes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton, get_timezone_name
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask import session as browser_session
from flask_babel import Babel, force_locale, format_currency, format_date, format_time, get_locale, gettext

from roaming import labels

LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français"}
DEFAULT_LANGUAGE = "en"


def choose_language() -> str:
    """The page's language (module docstring); English for a command or job outside a request,
    which writes in a recipient's language with ``written_in``."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = browser_session.get("language")
    if chosen in LANGUAGES:
        return chosen
    from roaming.accounts.security import current_user

    user = current_user() if "Authorization" not in request.headers else None
    profile_language = user.person.language if user is not None and user.person is not None else None
    if profile_language in LANGUAGES:
        return profile_language
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


@contextmanager
def written_in(language: str | None) -> Iterator[None]:
    """Texts made inside (gettext, templates, formatted dates) are in ``language``, or in English
    when the node does not write in it, not in the language of the request or job making them: an
    e-mail is in its recipient's language."""
    outside = has_request_context() and not g.get("writing_elsewhere")
    if outside:
        g.writing_elsewhere = True  # its times are not the page's: the page does not name their zones
    try:
        with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
            yield
    finally:
        if outside:
            g.writing_elsewhere = False


def money(amount_minor: int | None, currency: str | None) -> str:
    """``amount_minor`` in the currency's minor units (cents), formatted for the page's language."""
    if not amount_minor or not currency:
        return gettext("free")
    return format_currency(amount_minor / 100, currency)


def day(value: date | str | None, style: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, style)


def days(first: date | str | None, last: date | str | None = None) -> str:
    """The days from ``first`` to ``last`` as the page's language writes a span ("Dec 14 – 16,
    2026", "14.–16. Dez. 2026"); one day when they are the same or ``last`` is missing."""
    if first is None or first == "":
        return ""
    first = date.fromisoformat(first[:10]) if isinstance(first, str) else first
    last = date.fromisoformat(last[:10]) if isinstance(last, str) else last
    if last is None or last == first:
        return format_date(first, "medium")
    return format_interval(first, last, "yMMMd", locale=get_locale())


HOME_ZONE = "roaming.home_zone"
"""``app.extensions`` key of a function returning the node's own time zone (IANA name) or None;
times that belong to no place (a deadline, a history entry) are shown in it, else in UTC."""


def moment(value: datetime | str | None, zone: str | None = None, style: str = "medium") -> str:
    """A point in time: the date in ``style`` and the time without seconds, in ``zone`` (the
    place's time zone) when given, else the node's own zone. The zone is not written after the
    time: the page names the zones it showed once (``zones_shown``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    zone = zone or home_zone()
    local = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    if has_request_context() and not g.get("writing_elsewhere"):
        g.setdefault("zones_shown", {})[zone] = None
    pattern = get_locale().datetime_formats.get(style, "{1}, {0}")
    return str(pattern).format(format_time(local, "short"), format_date(local, style))


def home_zone() -> str:
    """The node's own time zone (IANA name): where times that belong to no place are shown."""
    find = current_app.extensions.get(HOME_ZONE) if has_app_context() else None
    if find is None:
        return "UTC"
    if has_request_context():
        if "home_zone" not in g:
            g.home_zone = find() or "UTC"
        return g.home_zone
    return find() or "UTC"


def zone_name(zone: str) -> str:
    """The zone's name in the page's language ("Central European Time")."""
    if zone in ("UTC", "Etc/UTC"):
        return gettext("Coordinated Universal Time (UTC)")
    return get_timezone_name(ZoneInfo(zone), "long", locale=get_locale())


def zones_shown() -> list[str]:
    """The names of the zones of the times this page showed so far (its foot names them once)."""
    return [zone_name(zone) for zone in g.get("zones_shown", {})] if has_request_context() else []


def month(period: str | None, skeleton: str = "yMMM") -> str:
    """A month given as "YYYY-MM" (a ledger period), for the page's language: "Feb 2026",
    "Feb. 2026", "févr. 2026"; ``skeleton`` "MMM" gives the month alone."""
    if not period:
        return ""
    first = date(int(period[:4]), int(period[5:7]), 1)
    return format_skeleton(skeleton, first, locale=get_locale())


def country_name(code: str | None) -> str:
    return get_locale().territories.get(code, code) if code else ""


def sector_name(name: str | None) -> str:
    """A cluster's or company's sector (``roaming.reference.SECTORS``) in the page's language."""
    return gettext(name) if name else ""


def language_name(code: str | None) -> str:
    return get_locale().languages.get(code, code) if code else ""


def history_note(note: str | None) -> str:
    """A note of a visit's history in the page's language: the node's own notes
    (``labels.HISTORY_NOTES``, with their days localised), else the note as a person wrote it."""
    if not note:
        return ""
    if note in labels.HISTORY_NOTES:
        return str(labels.HISTORY_NOTES[note])
    for pattern, text in labels.HISTORY_NOTE_PATTERNS:
        if found := re.fullmatch(pattern, note):
            values = found.groupdict()
            try:
                values["days"] = ", ".join(day(one.strip()) for one in values["days"].split(","))
            except ValueError:  # a person's words that only look like the node's
                return note
            return str(text) % values
    return note


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=choose_language)
    app.jinja_env.filters.update(
        day=day,
        days=days,
        moment=moment,
        month=month,
        money=money,
        country_name=country_name,
        language_name=language_name,
        sector_name=sector_name,
        history_note=history_note,
        labelled=labels.labelled,
    )
    app.jinja_env.globals.update(
        languages=LANGUAGES, current_language=lambda: str(get_locale()), zones_shown=zones_shown
    )
    app.jinja_env.globals.update(labels.page_globals())
