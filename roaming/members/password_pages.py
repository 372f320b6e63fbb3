"""Pages to set a password: from an e-mailed link (an invitation or a reset), "Forgot your
password?", and a logged-in person changing their own."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from roaming.accounts import password_links
from roaming.accounts.models import PasswordLinkPurpose, User
from roaming.accounts.operations import change_own_account
from roaming.accounts.security import (
    csrf_valid,
    current_user,
    login_browser_session,
    renew_browser_session,
    require_page,
)
from roaming.forms import submitted
from roaming.members import onboarding

bp = Blueprint("password_pages", __name__)

MAX_EMAIL_LENGTH = 254


def landing(user: User) -> str:
    """Where a person lands once their password is set: a member on their own page, staff on
    the dashboard."""
    return url_for("web.my_visits") if user.person is not None else url_for("dashboard.dashboard")


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the answer is the same whether the address has an
    account or not (rate-limited per client address, ``roaming.hardening``)."""
    errors: dict = {}
    sent_to = None
    if request.method == "POST":
        address = request.form.get("email", "").strip()
        if not csrf_valid():
            errors["_form"] = [_("The form expired; please send it again.")]
        elif not address or "@" not in address or len(address) > MAX_EMAIL_LENGTH:
            errors["email"] = [_("Enter the e-mail address you log in with.")]
        else:
            onboarding.ask_for_password_reset(address)
            sent_to = address
    return render_template(
        "passwords/forgot.html",
        errors=errors,
        form=request.form,
        sent_to=sent_to,
        hours=password_links.lifetime(PasswordLinkPurpose.RESET).total_seconds() // 3600,
    ), 422 if errors else 200


@bp.route(f"{onboarding.LINK_PATH}<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The page an e-mailed link opens: set the password, and be logged in."""
    try:
        link = password_links.usable_link(token)
    except password_links.LinkGone as gone:
        return render_template("passwords/gone.html"), gone.status
    user, purpose = link.user, link.purpose
    errors: dict = {}
    if request.method == "POST":
        password = request.form.get("password", "")

        def save():
            if password != request.form.get("password_again", ""):
                raise ValidationError(_("The two passwords differ; type the same one twice."), "password_again")
            login_browser_session(password_links.redeem(token, password), password)

        errors = submitted(save)
        if not errors:
            flash(_("Your password is set, and you are logged in."), "ok")
            return redirect(landing(user))
        if errors.get("_form"):  # refused as a whole: perhaps the link was used meanwhile
            try:
                password_links.usable_link(token)
            except password_links.LinkGone as gone:
                return render_template("passwords/gone.html"), gone.status
    return render_template(
        "passwords/set.html", account=user, invitation=purpose is PasswordLinkPurpose.INVITATION, errors=errors
    ), 422 if errors else 200


@bp.route("/me/password", methods=["GET", "POST"])
@require_page()
def change_password():
    """A logged-in person changes their own password (the current one is needed); their other
    browser sessions end, this one goes on."""
    user = current_user()
    errors: dict = {}
    if request.method == "POST":
        new = request.form.get("new_password", "")

        def save():
            password_links.check_password(new, "new_password")
            if new != request.form.get("new_password_again", ""):
                raise ValidationError(_("The two passwords differ; type the same one twice."), "new_password_again")
            changes = {"current_password": request.form.get("current_password", ""), "new_password": new}
            renew_browser_session(change_own_account(user, changes))

        errors = submitted(save)
        if not errors:
            flash(_("Your password is changed. Any other browser logged in as you was logged out."), "ok")
            return redirect(url_for("password_pages.change_password"))
    return render_template("passwords/change.html", account=user, errors=errors), 422 if errors else 200
