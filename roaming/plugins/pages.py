"""The admin page for plugins: what is installed and enabled, and the switches (the built-in part
``plugins``)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, url_for

from roaming.accounts.models import Role
from roaming.accounts.security import require_page
from roaming.hookspecs import hookimpl
from roaming.plugins import PluginError, inventory, staff_menu

bp = Blueprint("plugin_pages", __name__)
bp.add_app_template_global(staff_menu)  # base.html's staff menu lists the plugins' pages


@bp.get("/admin/plugins")
@require_page(Role.ADMIN)
def plugins():
    infos = inventory.plugins_of(current_app._get_current_object())
    pending = any(info.enabled != info.running for info in infos)
    installed = [info for info in infos if not info.builtin]
    builtins = [info for info in infos if info.builtin]
    return render_template("plugins/admin.html", installed=installed, builtins=builtins, pending=pending)


@bp.post("/admin/plugins/<name>/<any(enable, disable):action>")
@require_page(Role.ADMIN)
def switch(name: str, action: str):
    """Enable or disable a plugin (the CSRF token is checked for every logged-in POST)."""
    switch_plugin = inventory.enable if action == "enable" else inventory.disable
    try:
        for line in switch_plugin(current_app._get_current_object(), name):
            flash(line, "info")
    except PluginError as error:
        flash(str(error), "error")
    return redirect(url_for("plugin_pages.plugins"))


@hookimpl
def roaming_register_blueprints(app: Flask) -> None:
    app.register_blueprint(bp)
