"""Languages of the web pages: English, German and French (Flask-Babel).

The page language is, in order: the one the user chose with the language switch (kept in the
browser session and, for a member person, saved as their profile's language), the profile's
language, the browser's ``Accept-Language``, English. Dates, times and money are formatted for
that language; event and visit times are shown in the zone of the place they happen. E-mails are
made in their recipient's language (``written_in``), whoever's request or job makes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, has_request_context, request
from flask import session as browser_session
from flask_babel import Babel, force_locale, format_currency, format_date, format_datetime, get_locale, gettext

from roaming import labels

LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français"}
DEFAULT_LANGUAGE = "en"


def choose_language() -> str:
    if not has_request_context():  # a command or a job: English, unless ``written_in`` says otherwise
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
    with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        yield


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


def moment(value: datetime | str | None, zone: str | None = None, style: str = "medium") -> str:
    """A point in time, in ``zone`` (the place's time zone) when given, else UTC, with the zone named."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(ZoneInfo(zone or "UTC"))
    return f"{format_datetime(local.replace(tzinfo=None), style)} ({zone or 'UTC'})"


def country_name(code: str | None) -> str:
    return get_locale().territories.get(code, code) if code else ""


def language_name(code: str | None) -> str:
    return get_locale().languages.get(code, code) if code else ""


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=choose_language)
    app.jinja_env.filters.update(
        day=day, moment=moment, money=money, country_name=country_name, language_name=language_name
    )
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=lambda: str(get_locale()))
    app.jinja_env.globals.update(labels.page_globals())
