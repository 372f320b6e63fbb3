"""Error pages for people: what a browser gets instead of the JSON error (``roaming.errors``).

The page is in the node's layout and the page's language, says what happened in plain words and
offers a way on: back to where the person came from (a page of this site), the home page, and
the log-in page when they are not logged in and were refused. It says nothing of the internals.
An error page never fails in turn: when the database cannot be used (a 503) or the layout itself
cannot be made, it is made without the logged-in user, in the browser's language; when even that
fails, a plain page in English is the answer.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, render_template, request, url_for
from flask import session as browser_session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from roaming import errors, i18n
from roaming.accounts.security import current_user
from roaming.db import session
from roaming.redirects import same_site_path

TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You may not see this page"),
    404: _l("Page not found"),
    405: _l("This page cannot be used this way"),
    409: _l("Something changed meanwhile"),
    413: _l("That is too much to send at once"),
    422: _l("The request could not be understood"),
    429: _l("Too many tries"),
    500: _l("Something went wrong"),
    503: _l("The node is not available right now"),
}
EXPLANATIONS = {
    400: _l("Please go back and check what you entered."),
    401: _l("Log in to see this page."),
    403: _l("Your account has no access to this page. Log in with another account or ask the node's staff."),
    404: _l("The address may be mistyped, or the page was moved or deleted."),
    405: _l("The page was asked for in a way it does not answer. Open it from a link of this site."),
    409: _l("Someone saved a change at the same time, so nothing of yours was saved. Reload the page and try again."),
    413: _l("What you sent is larger than this node accepts. Send a smaller file or less text."),
    422: _l("Please go back and check what you entered."),
    429: _l("There were too many tries in a short time. Please wait a minute and try again."),
    500: _l("An unexpected error happened and nothing was saved. The node's administrators can see why in the log."),
    503: _l("The node cannot use its database right now and nothing was saved. Please try again in a moment."),
}
FALLBACK_STATUS = 500

PLAIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error {status}</title></head>
<body><main><h1>Error {status}</h1><p>The page cannot be shown right now.</p><p><a href="/">Home</a></p></main></body>
</html>
"""


def error_page(status: int, headers: dict) -> Response:
    """The page for the error ``status`` (``roaming.errors.ErrorPage``), with ``headers``."""
    try:
        html = _render(status, with_user=status != 503)
    except Exception:
        current_app.logger.exception("The error page %s could not be made with the user; made without", status)
        session.rollback()
        try:
            with force_locale(_language_without_database()):
                html = _render(status, with_user=False)
        except Exception:
            current_app.logger.exception("The error page %s could not be made; a plain page instead", status)
            html = PLAIN_PAGE.format(status=int(status))
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(headers)
    return response


def _render(status: int, *, with_user: bool) -> str:
    known = status if status in TITLES else FALLBACK_STATUS
    user = current_user() if with_user else None
    context = {} if with_user else {"current_user": lambda: None}
    return render_template(
        "errors/page.html",
        status=status,
        title=TITLES[known],
        explanation=EXPLANATIONS[known],
        login_url=url_for("account_pages.login", next=request.full_path.rstrip("?"))
        if user is None and status in (401, 403)
        else None,
        back_url=_back_url(),
        **context,
    )


def _back_url() -> str | None:
    """The page the person came from, when it is another page of this site."""
    referrer = request.referrer
    if not referrer or not referrer.startswith(request.host_url):
        return None
    path = same_site_path("/" + referrer[len(request.host_url) :])
    return path if path and path != request.full_path.rstrip("?") else None


def _language_without_database() -> str:
    chosen = browser_session.get("language")
    if chosen in i18n.LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(i18n.LANGUAGES)) or i18n.DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    """Browsers get these pages for the errors ``roaming.errors`` answers (register after it)."""
    app.extensions[errors.ERROR_PAGE] = error_page
