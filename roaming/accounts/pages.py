"""Browser log-in and log-out pages, and the OpenID Connect redirect endpoints."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from roaming.accounts import oidc
from roaming.accounts.operations import authenticate
from roaming.accounts.security import csrf_valid, login_browser_session, logout_browser_session
from roaming.errors import Unauthorized
from roaming.redirects import same_site_path

bp = Blueprint("account_pages", __name__)


def landing(user, asked: str | None = None) -> str:
    """Where a browser goes after logging in: the page it asked for (``next``, a path on this node
    only: ``roaming.redirects``), else where the person's work is: host staff and admins their
    dashboard, members their visits, anyone else the home page."""
    wanted = same_site_path(asked)
    if wanted:
        return wanted
    if user.role.is_staff:
        return url_for("dashboard.dashboard")
    if user.person_id is not None:
        return url_for("web.my_visits")
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        if not csrf_valid():
            error = gettext("The form expired; please try again.")
        else:
            password = request.form.get("password", "")
            try:
                user = authenticate(request.form.get("email", ""), password)
                login_browser_session(user, password)
            except Unauthorized:  # the one refusal: "Wrong e-mail or password."
                error = gettext("Wrong e-mail or password.")
            else:
                return redirect(landing(user, request.args.get("next")))
    status = 401 if error else 200
    return render_template("login.html", error=error, oidc_enabled=oidc.enabled()), status


@bp.post("/logout")
def logout():
    logout_browser_session()
    return redirect(url_for("web.home"))


@bp.get("/auth/oidc/login")
def oidc_login():
    if not oidc.enabled():
        return redirect(url_for("account_pages.login"))
    return oidc.client().authorize_redirect(oidc.redirect_uri())


@bp.get("/auth/oidc/callback")
def oidc_callback():
    user = oidc.user_from_callback()
    login_browser_session(user)
    return redirect(landing(user))
