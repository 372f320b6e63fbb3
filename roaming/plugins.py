"""The node's plugin manager (pluggy project ``roaming``) and the hooks operations fire.

Hooks are called with keyword arguments; an implementation may accept fewer arguments than its
spec. Core behaviour ships as built-in plugins (e-mail notification is one), so the hooks are
exercised by the core's own tests. Each spec is documented in plugins/README.md.
"""

from __future__ import annotations

import pluggy
from flask import Flask, current_app

PROJECT = "roaming"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class VisitSpecs:
    @hookspec
    def roaming_validate_visit(self, visit, terms):
        """Check a visit request before the host accepts it. ``visit`` is the host's new
        ``Visit`` (not yet saved), ``terms`` the effective terms. Return a list of messages to
        refuse it (shown to the visitor), or nothing to let it pass."""

    @hookspec
    def roaming_visit_created(self, visit, origin):
        """A visit row was created; ``origin`` is "home" (our member asked) or "host" (a
        partner's member asked us). Called inside the transaction, before commit."""

    @hookspec
    def roaming_visit_state_changed(self, visit, old, new):
        """A visit moved from state ``old`` to ``new`` (``VisitState`` values); on the host when
        it decides, on the home node when it learns of it."""


class NotifySpecs:
    @hookspec
    def roaming_notify(self, recipient, message):
        """Deliver ``message`` (``roaming.notify.Message``) to ``recipient``
        (``roaming.notify.Recipient``) through a transport. Every implementation is called;
        raising makes the worker retry the notification later, so transports should tolerate
        a repeat."""


def init_app(app: Flask) -> None:
    from roaming.notify import email

    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(VisitSpecs)
    manager.add_hookspecs(NotifySpecs)
    manager.register(email, name="email")
    app.extensions["roaming.plugins"] = manager


def plugin_manager() -> pluggy.PluginManager:
    return current_app.extensions["roaming.plugins"]


def hook():
    return plugin_manager().hook
