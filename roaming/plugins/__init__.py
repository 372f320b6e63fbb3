"""The node's plugins: loading the enabled ones, their settings and service kinds, calling hooks.

Plugins are found through the ``roaming.plugins`` entry-point group; the entry name is the
plugin's name (its settings table, blueprint name, table prefix and migration history). Installed
is not enabled: only the names in the ``plugins`` setting are loaded, and one that is missing,
fails to import or was written for another version of the plugin API
(``roaming.plugins.compatibility``) stops start-up with a ``PluginError`` naming it. Core
behaviour ships as built-in plugins (``core``: the agreement's service kinds and desk
availability; ``email``), so the hooks are exercised by the core's own tests. The contracts are in
``roaming.hookspecs``.
"""

from __future__ import annotations

import importlib
import os
import re
import site
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pluggy
from flask import Flask, current_app

from roaming import signals
from roaming.backoff import doubling_delay
from roaming.db import savepoint
from roaming.hookspecs import PLUGIN_API_VERSION, PROJECT, SPECS, Job, MenuEntry, PluginError, ServiceKind, hookimpl
from roaming.plugins.compatibility import incompatibility

__all__ = [
    "PLUGIN_API_VERSION",
    "Job",
    "MenuEntry",
    "PluginError",
    "ServiceKind",
    "doubling_delay",
    "hookimpl",
    "hook",
    "settings",
    "service_kinds",
    "staff_menu",
]

ENTRY_POINT_GROUP = "roaming.plugins"
APP_FACTORY = "roaming.app_factory"  # app.extensions: the node's app factory (roaming.create_app)
# The core's own parts, registered like plugins, in this order, before the enabled plugins: each
# name's module implements the hooks its part needs (blueprints, worker jobs, availability...).
# They are imported by name, so that the plugin manager depends on none of them. The worker runs
# their jobs in this order at each pass (the clocks before delivery, say).
BUILTINS = {
    "core": "roaming.catalogue.service_kinds",  # the agreement's service kinds
    "email": "roaming.notify.email",  # the e-mail transport
    "web": "roaming.web",
    "accounts": "roaming.accounts.hooks",
    "plugins": "roaming.plugins.pages",
    "identity": "roaming.identity.hooks",
    "catalogue": "roaming.catalogue.hooks",
    "members": "roaming.members.hooks",
    "coordinator": "roaming.coordinator.hooks",
    "search": "roaming.search.hooks",
    "visits": "roaming.visits.hooks",
    "events": "roaming.events.hooks",
    "ledger": "roaming.ledger.hooks",
    "followup": "roaming.followup.hooks",
    "privacy": "roaming.privacy.hooks",
    "attention": "roaming.attention.hooks",
    "network": "roaming.network.hooks",
    "monitoring": "roaming.monitoring.hooks",
    "peers": "roaming.peers.hooks",
    "notify": "roaming.notify.hooks",
}
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def installed_entry_points() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}


def enabled_names(config) -> list[str]:
    """The ``plugins`` setting, checked: a list of plugin names."""
    names = config.get("PLUGINS") or []
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise PluginError(f'The plugins setting must be a list of names, e.g. plugins = ["makerspace"]; got {names!r}.')
    for name in names:
        if not NAME.match(name) or name in BUILTINS:
            raise PluginError(f"'{name}' in the plugins setting is not a plugin name.")
    return list(dict.fromkeys(names))


def install_hint(name: str) -> str:
    """How to install plugin ``name`` into the node's Python environment: the exact command for
    a plugin shipped in the source's ``plugins/`` folder, else the way any plugin is installed."""
    shipped = Path(__file__).resolve().parents[2] / "plugins" / name
    if (shipped / "pyproject.toml").is_file():
        return f"install it into the node's Python environment (pip install -e {shipped})"
    return (
        "install its package into the node's Python environment (pip install -e FOLDER for a plugin's "
        "source folder, such as those in the plugins/ folder of roaming's source; docs/plugins.md)"
    )


def load_plugin(name: str, entry_point: EntryPoint | None):
    """Import the plugin's module; a plugin that is missing, fails to import or does not support this
    node's plugin API version raises ``PluginError``."""
    if entry_point is None:
        raise PluginError(
            f"Plugin '{name}' is enabled but not installed (no '{ENTRY_POINT_GROUP}' entry point of that "
            f"name): {install_hint(name)}, or run 'roaming plugins disable {name}'."
        )
    try:
        plugin = _import(entry_point)
    except Exception as error:  # noqa: BLE001 - any import failure is reported with the plugin's name
        raise PluginError(
            f"Plugin '{name}' failed to load ({entry_point.value}): {type(error).__name__}: {error}. "
            f"Fix or reinstall it, or run 'roaming plugins disable {name}'."
        ) from error
    problem = incompatibility(name, plugin, entry_point.value)
    if problem:
        raise PluginError(problem)
    return plugin


def _import(entry_point: EntryPoint):
    """The entry point's object. A plugin pip-installed after this process started is found too:
    when its module is missing, the import caches are cleared and the site folders read again
    (an editable install adds its folder through a new ``.pth`` file)."""
    try:
        return entry_point.load()
    except ModuleNotFoundError:
        importlib.invalidate_caches()
        for folder in [*site.getsitepackages(), site.getusersitepackages()]:
            if os.path.isdir(folder):
                site.addsitedir(folder)
        return entry_point.load()


def new_manager() -> pluggy.PluginManager:
    """A plugin manager with the hook specifications and the core's parts (``BUILTINS``)."""
    manager = pluggy.PluginManager(PROJECT)
    for spec in SPECS:
        manager.add_hookspecs(spec)
    for name, module in BUILTINS.items():
        manager.register(importlib.import_module(module), name=name)
    return manager


def init_app(app: Flask) -> None:
    """Load the enabled plugins, their settings and service kinds; raises ``PluginError``."""
    manager = new_manager()
    available = installed_entry_points()
    try:
        for name in enabled_names(app.config):
            manager.register(load_plugin(name, available.get(name)), name=name)
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        name = manager.get_name(error.plugin) or repr(error.plugin)
        raise PluginError(
            f"Plugin '{name}' implements a hook that does not exist or with other arguments: {error}"
        ) from None
    app.extensions["roaming.plugins"] = manager
    app.extensions["roaming.plugin_settings"] = _settings(app, manager)
    app.extensions["roaming.service_kinds"] = _service_kinds(manager)


def finish_app(app: Flask) -> None:
    """After the core is set up: plugins' blueprints, their staff menu entries, then
    ``roaming_startup``."""
    manager = app.extensions["roaming.plugins"]
    for impl in manager.hook.roaming_register_blueprints.get_hookimpls():
        _setup_call(impl, "roaming_register_blueprints", app=app)
    app.extensions["roaming.staff_menu"] = _staff_menu(app, manager)
    for impl in manager.hook.roaming_startup.get_hookimpls():
        _setup_call(impl, "roaming_startup", app=app)


def _setup_call(impl, hook_name: str, **kwargs):
    try:
        return impl.function(**{key: kwargs[key] for key in impl.argnames})
    except PluginError:
        raise
    except Exception as error:  # noqa: BLE001 - reported with the plugin's name, start-up stops
        raise PluginError(
            f"Plugin '{impl.plugin_name}' failed in {hook_name}: {type(error).__name__}: {error}"
        ) from error


def _settings(app: Flask, manager: pluggy.PluginManager) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for impl in manager.hook.roaming_default_settings.get_hookimpls():
        name = impl.plugin_name
        defaults = dict(_setup_call(impl, "roaming_default_settings") or {})
        given = app.config.get(name.upper()) or {}
        if not isinstance(given, dict):
            raise PluginError(f"The [{name}] settings must be a table of keys, got {given!r}.")
        overrides = {str(key).lower(): value for key, value in given.items()}
        unknown = sorted(overrides.keys() - defaults.keys())
        if unknown:
            raise PluginError(
                f"Plugin '{name}' has no setting {', '.join(unknown)}; "
                f"it declares: {', '.join(sorted(defaults)) or 'none'}."
            )
        found[name] = {**defaults, **overrides}
    return found


def _staff_menu(app: Flask, manager: pluggy.PluginManager) -> list[MenuEntry]:
    """The plugins' staff menu entries, checked: each a ``MenuEntry`` naming a registered page."""
    entries: list[MenuEntry] = []
    for impl in manager.hook.roaming_staff_menu.get_hookimpls():
        for entry in _setup_call(impl, "roaming_staff_menu") or []:
            if not isinstance(entry, MenuEntry):
                raise PluginError(
                    f"Plugin '{impl.plugin_name}' adds {entry!r} to the staff menu; return "
                    "roaming.plugins.MenuEntry(label, endpoint) entries."
                )
            if entry.endpoint not in app.view_functions:
                raise PluginError(
                    f"Plugin '{impl.plugin_name}' adds '{entry.label}' to the staff menu for the page "
                    f"'{entry.endpoint}', which no blueprint registers; register it in roaming_register_blueprints."
                )
            entries.append(entry)
    return entries


def _service_kinds(manager: pluggy.PluginManager) -> dict[str, tuple[str, ServiceKind]]:
    kinds: dict[str, tuple[str, ServiceKind]] = {}
    for impl in manager.hook.roaming_register_service_kinds.get_hookimpls():  # built-ins (trylast) first
        for kind in _setup_call(impl, "roaming_register_service_kinds") or []:
            if kind.name in kinds:
                raise PluginError(
                    f"Service kind '{kind.name}' is registered by both '{kinds[kind.name][0]}' "
                    f"and '{impl.plugin_name}'."
                )
            kinds[kind.name] = (impl.plugin_name, kind)
    return kinds


# -- at run time ---------------------------------------------------------------------------------


def plugin_manager() -> pluggy.PluginManager:
    return current_app.extensions["roaming.plugins"]


def hook():
    return plugin_manager().hook


def settings(name: str) -> dict:
    """The settings of plugin ``name``: its declared defaults with the node's overrides."""
    return current_app.extensions["roaming.plugin_settings"].get(name, {})


def service_kinds() -> dict[str, ServiceKind]:
    """Every service kind the node offers now, by name (core kinds first)."""
    return {name: kind for name, (_plugin, kind) in current_app.extensions["roaming.service_kinds"].items()}


def is_core_kind(name: str) -> bool:
    """Whether a service kind is one of the agreement's own (not added by a plugin)."""
    plugin, _kind = current_app.extensions["roaming.service_kinds"].get(name, (None, None))
    return plugin in BUILTINS


def staff_menu() -> list[MenuEntry]:
    """The plugins' pages in the staff menu, in the order the plugins are enabled."""
    return current_app.extensions.get("roaming.staff_menu", [])


def jobs() -> list[tuple[str, Job]]:
    """``(plugin, job)`` for every job the enabled plugins run in the worker."""
    found = []
    for impl in plugin_manager().hook.roaming_register_jobs.get_hookimpls():
        found += [(impl.plugin_name, job) for job in _setup_call(impl, "roaming_register_jobs") or []]
    return found


def call_guarded(hook_name: str, **kwargs) -> None:
    """Call a side-effect hook's implementations one by one, each in a savepoint: one that raises
    is logged with its plugin's name and its writes rolled back; the caller's change goes on."""
    for impl in reversed(getattr(hook(), hook_name).get_hookimpls()):
        try:
            with savepoint():
                impl.function(**{key: kwargs[key] for key in impl.argnames})
        except Exception:  # noqa: BLE001 - a plugin's failure must not undo or block the change
            current_app.logger.exception(
                "Plugin '%s' failed in %s; carrying on without it.", impl.plugin_name, hook_name
            )


def call_each(hook_name: str, skip: set[str], **kwargs) -> dict[str, Exception | None]:
    """Call each implementation whose plugin is not in ``skip``; returns plugin -> its error or
    None (used for notification transports, which are retried one by one)."""
    outcome: dict[str, Exception | None] = {}
    for impl in reversed(getattr(hook(), hook_name).get_hookimpls()):
        if impl.plugin_name in skip:
            continue
        try:
            impl.function(**{key: kwargs[key] for key in impl.argnames})
        except Exception as error:  # noqa: BLE001 - the caller records and retries it
            outcome[impl.plugin_name] = error
        else:
            outcome[impl.plugin_name] = None
    return outcome


@signals.visit_changed.connect
def _visit_hooks(visit, *, side: str, old, **_) -> None:
    """The plugins hear of visits through their hooks (guarded): made, and moved to a new state."""
    if old is None:
        call_guarded("roaming_visit_created", visit=visit, origin=str(side))
    elif visit.state != old:
        call_guarded("roaming_visit_state_changed", visit=visit, old=old, new=visit.state)
