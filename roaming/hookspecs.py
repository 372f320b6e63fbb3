"""The hook specifications: what a plugin can implement, each docstring its contract.

Hooks are called with keyword arguments; an implementation may accept fewer arguments than its
spec names, so specs can grow without breaking plugins. Unless a spec says "first result", every
implementation is called and the results are collected in a list. docs/plugins.md has a section
per hook, checked against these signatures by the tests.

Three kinds of hook, by what happens when an implementation raises:

- set-up and validation hooks raise through: start-up stops, or the request fails with nothing
  written;
- side-effect hooks (``roaming_visit_created``, ``roaming_visit_state_changed``,
  ``roaming_service_published``) are guarded: the error is logged with the plugin's name, the
  plugin's own database writes are rolled back to a savepoint, and the change goes on;
- ``roaming_notify`` is called per transport: a transport that raises is retried later on its own,
  the others are not called again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pluggy
from flask_babel import lazy_gettext as _l

PROJECT = "roaming"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# The plugin API's version (docs/plugins.md, "Plugin API versions"): these hooks with their
# contracts, ServiceKind and Job, and what roaming.plugins exports. MAJOR goes up with a change
# that can break a plugin written for the version before (a hook, argument, field or export
# removed or renamed, a contract or a hook's kind changed); MINOR with an addition existing
# plugins may ignore (a hook, an argument, a field with a default, an export). A plugin declares
# the versions it works with as ``roaming_plugin_api`` (roaming.plugins.compatibility).
PLUGIN_API_VERSION = "1.2"


def adds(words):
    """Name what a plugin implementing this hook adds to a node, in a few words (the plugin
    inventory, ``roaming plugins list`` and the admin page, says it per plugin); ``words`` is a
    lazy translation, made in the language of the page or command that shows it."""

    def mark(spec):
        spec.adds = words
        return spec

    return mark


class PluginError(RuntimeError):
    """A plugin could not be loaded or set up; the message names it and says what to do."""


@dataclass(frozen=True)
class ServiceKind:
    """A kind of service a node can publish (returned by ``roaming_register_service_kinds``).

    ``name`` is unique on the node (a plugin's kinds should start with its own name); ``label`` is what
    visitors read. ``options(service)`` returns the marshmallow schema (an instance) of what a
    visitor chooses when requesting a service of this kind (None: it takes no options); it is
    validated on the host at request time and published to partners as JSON Schema.
    ``reserve(visit=, service=, options=)`` is called on the host inside the request's
    transaction once the desk is allocated, with the loaded options: raising ``Conflict`` or
    ``ValidationError`` refuses the whole request, nothing kept. ``release(visit=, service=)`` is
    called when the visit is declined, expires, is cancelled or becomes a no-show.
    """

    name: str
    label: str
    options: Callable | None = None
    reserve: Callable | None = None
    release: Callable | None = None


@dataclass(frozen=True)
class Job:
    """A periodic task for the worker (returned by ``roaming_register_jobs``): ``run()`` is called
    in an app context every ``interval_seconds``; a failure is logged and retried with a growing
    delay."""

    name: str
    interval_seconds: float
    run: Callable[[], object]


@dataclass(frozen=True)
class MenuEntry:
    """A page of a plugin in the staff menu (returned by ``roaming_staff_menu``): ``label`` is what
    staff read (a lazy gettext string follows the page's language), ``endpoint`` the Flask endpoint
    of the page (``"makerspace.equipment"``), built with ``url_for`` and no arguments."""

    label: str
    endpoint: str


class SetupSpecs:
    @hookspec
    @adds(_l("settings"))
    def roaming_default_settings(self):
        """Return a dict of this plugin's settings with their defaults (lower-case keys).

        A node overrides them in its roaming.toml under a table named after the plugin
        (``[makerspace]``) or with ``ROAMING_<PLUGIN>__<KEY>`` variables; a key the plugin does
        not declare stops start-up. Read them with ``roaming.plugins.settings(name)``. Called once
        at start-up, per plugin."""

    @hookspec
    @adds(_l("a start-up step"))
    def roaming_startup(self, app):
        """The Flask ``app`` is built and every plugin registered. Called once, outside any request
        and transaction; raising stops start-up with the plugin's name."""

    @hookspec
    @adds(_l("pages or API endpoints"))
    def roaming_register_blueprints(self, app):
        """Register the plugin's Flask blueprints (pages, API endpoints) on ``app``. Use the plugin's
        name as the blueprint name and URL prefix. Called once at start-up."""

    @hookspec
    @adds(_l("entries in the staff menu"))
    def roaming_staff_menu(self):
        """Return a list of ``MenuEntry``: pages of the plugin that host staff and admins reach from
        the staff menu of every page, after the core's entries, in the order the plugins are
        enabled. Called once at start-up, after every blueprint is registered; an entry that is not
        a ``MenuEntry`` or names an endpoint no blueprint registers stops start-up. The page still
        checks who may see it (``require_page``)."""

    @hookspec
    @adds(_l("commands"))
    def roaming_register_commands(self, cli):
        """Add click commands or groups to ``cli`` (a ``click.Group``): they become
        ``roaming <command>``, run inside the node's app context when wrapped with Flask's
        ``with_appcontext``. Called when the command line is used, with the node's plugins
        loaded."""

    @hookspec
    @adds(_l("its own tables"))
    def roaming_migrations_dir(self):
        """Return the folder (a path) of the plugin's Alembic revisions, or None. The plugin's
        history is kept apart from the core's (its own version table,
        ``alembic_version_<plugin>``), so disabling or removing a plugin never blocks the core's
        upgrades. ``roaming db upgrade`` upgrades the core, then every enabled plugin."""

    @hookspec
    @adds(_l("background jobs"))
    def roaming_register_jobs(self):
        """Return a list of ``Job`` for the worker (for example to deliver the plugin's own
        outbox). Called once when a worker starts, in an app context; each pass of the worker runs
        the jobs of the core's parts, then the plugins', in the order they were registered."""


class CatalogueSpecs:
    @hookspec
    @adds(_l("service kinds"))
    def roaming_register_service_kinds(self):
        """Return a list of ``ServiceKind`` this plugin adds. Called once at start-up; a kind
        named twice stops start-up. Services of a kind no enabled plugin provides are withdrawn
        from the catalogue (partners see them deleted) until the plugin is enabled again."""

    @hookspec
    @adds(_l("reacts to catalogue changes"))
    def roaming_service_published(self, service, is_new):
        """A ``Service`` of the catalogue was created (``is_new`` True) or changed. Called after
        commit, outside the transaction; guarded (an error is logged, nothing undone)."""


class VisitSpecs:
    @hookspec
    @adds(_l("checks on visit requests"))
    def roaming_validate_visit(self, visit, terms):
        """Check a visit request on the host before it is accepted. ``visit`` is the new ``Visit``
        (not yet saved: desk, days, people, services with their options, and the ``visitor`` the
        home node vouched for), ``terms`` the effective terms. Return a list of messages to
        refuse it (422, shown to the visitor under ``visit``), or nothing. Called inside the
        transaction; must not write. Raising fails the request (500), nothing kept."""

    @hookspec
    @adds(_l("desk availability"))
    def roaming_availability(self, resource, start, end):
        """How many units of ``resource`` (a ``Desk``) are free on each day from ``start`` to
        ``end`` (dates, inclusive): return ``{date: free_units}`` (a day left out is not limited
        by this answer), or None for no opinion. Every implementation is asked and the smallest
        answer per day counts, so an external booking system only has to say what it knows; the
        built-in one counts the node's own seat allocations. Called inside the request's
        transaction, for quotes and requests; must not write."""

    @hookspec
    @adds(_l("reacts to new visits"))
    def roaming_visit_created(self, visit, origin):
        """A visit row was made: ``origin`` is "home" (our member asked) or "host" (a partner's
        member asked us). Called inside the transaction, before commit; guarded: raising is
        logged and the plugin's writes are rolled back, the visit is made anyway."""

    @hookspec
    @adds(_l("reacts to visit changes"))
    def roaming_visit_state_changed(self, visit, old, new):
        """A visit moved from state ``old`` to ``new`` (``VisitState`` values): on the host when it
        decides (or its clock expires, releases or completes the visit), on the home node when
        the host's new document arrives or the host refuses a request the worker sent. Called
        inside the transaction, before commit; guarded."""


class NotifySpecs:
    @hookspec
    @adds(_l("a notification transport"))
    def roaming_notify(self, recipient, message):
        """Deliver ``message`` (``roaming.notify.Message``: kind, subject, text, html,
        attachments) to ``recipient`` (``roaming.notify.Recipient``: email, name, language) by one
        transport. Called by the worker outside any transaction, once per transport: a
        transport that raises is retried later with a growing delay, without calling the
        transports that succeeded again."""


SPECS = (SetupSpecs, CatalogueSpecs, VisitSpecs, NotifySpecs)
