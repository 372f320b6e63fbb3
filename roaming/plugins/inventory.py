"""What plugins a node has and switching them on and off (for ``roaming plugins`` and the admin
page). Enabling writes the node's configuration, proves the plugin loads (or puts the
configuration back) and runs its migrations; the running node picks the change up when it
restarts, and its worker then withdraws or publishes the services concerned."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask

from roaming.config import configured_plugins, write_plugins_setting
from roaming.labels import SERVICE_KINDS, label
from roaming.plugins import (
    APP_FACTORY,
    BUILTINS,
    PluginError,
    install_hint,
    installed_entry_points,
    load_plugin,
    new_manager,
)


@dataclass(frozen=True)
class Addition:
    """One thing a plugin adds: the hook's words, in the current language ("background jobs"),
    and the names of what it adds through it (codes, commands, settings: not translated)."""

    words: str
    names: str = ""

    def __str__(self) -> str:
        return f"{self.words}: {self.names}" if self.names else self.words


@dataclass
class PluginInfo:
    name: str
    version: str
    summary: str
    builtin: bool = False
    enabled: bool = False  # in the node's configuration now
    running: bool = False  # loaded by the app asking
    adds: list[Addition] = field(default_factory=list)
    error: str | None = None  # why it does not load


def plugins_of(app: Flask) -> list[PluginInfo]:
    """Built-in and installed plugins, what each adds, whether enabled (configuration) and
    running (this app); a plugin that does not load is listed with its error."""
    with app.app_context():
        return _plugins_of(app)


def _plugins_of(app: Flask) -> list[PluginInfo]:
    configured = configured_plugins(Path(app.instance_path))
    manager = app.extensions["roaming.plugins"]
    found = [
        PluginInfo(name, "built in", "", builtin=True, enabled=True, running=True, adds=_adds(manager, name))
        for name in BUILTINS
    ]
    entries = installed_entry_points()
    for name in sorted(set(entries) | set(configured)):
        entry = entries.get(name)
        dist = getattr(entry, "dist", None)
        info = PluginInfo(
            name=name,
            version=dist.version if dist else "",
            summary=(dist.metadata["Summary"] or "") if dist else "",
            enabled=name in configured,
            running=manager.get_plugin(name) is not None,
        )
        try:
            scratch = manager if info.running else new_manager()
            if not info.running:
                scratch.register(load_plugin(name, entry), name=name)
            info.adds = _adds(scratch, name)
        except PluginError as error:
            info.error = str(error)
        found.append(info)
    return found


def _adds(manager, plugin_name: str) -> list[Addition]:
    """What the registered plugin adds, one line per hook it implements."""
    lines = []
    for caller in manager.get_hookcallers(manager.get_plugin(plugin_name)) or []:
        function = next(impl.function for impl in caller.get_hookimpls() if impl.plugin_name == plugin_name)
        try:
            lines.append(_what_it_adds(caller, function) or Addition(_words(caller)))
        except Exception:  # noqa: BLE001 - a plugin that is not running may need its settings to say more
            lines.append(Addition(_words(caller)))
    return [line for line in lines if line.words]


def _what_it_adds(caller, function) -> Addition | None:
    """The hook's words (``_words``) and the names of what the plugin adds through it."""
    hook_name = caller.name
    if hook_name == "roaming_register_service_kinds":
        names = [
            f"{kind.name} ({label(SERVICE_KINDS, kind.name) if kind.name in SERVICE_KINDS else kind.label})"
            for kind in function() or []
        ]
    elif hook_name == "roaming_register_commands":
        group = click.Group()
        function(cli=group)
        names = [f"roaming {command}" for command in sorted(group.commands)]
    elif hook_name == "roaming_register_jobs":
        names = [job.name for job in function() or []]
    elif hook_name == "roaming_default_settings":
        names = [f"{key} = {value!r}" for key, value in (function() or {}).items()]
    else:
        return None
    return Addition(_words(caller), ", ".join(names))


def _words(caller) -> str:
    """What the hook's specification says a plugin implementing it adds (``roaming.hookspecs.adds``),
    in the current language."""
    return str(caller.spec.function.adds)


def enable(app: Flask, name: str) -> list[str]:
    """Enable an installed plugin: configuration, a load test and its migrations. Returns what
    was done, in words; raises ``PluginError`` with nothing changed when it does not load."""
    from roaming import migrate
    from roaming.db import engine_for

    instance = Path(app.instance_path)
    if name not in installed_entry_points():
        raise PluginError(f"No plugin '{name}' is installed: {install_hint(name)}.")
    before = configured_plugins(instance)
    if name in before:
        return [f"{name} is enabled already."]
    _write(instance, [*before, name])
    try:
        trial = app.extensions[APP_FACTORY]({"INSTANCE_PATH": instance, "SECRET_KEY": app.config["SECRET_KEY"]})
    except Exception:
        _write(instance, before)
        raise
    done = [f"Enabled {name} in the node's configuration."]
    try:
        history = next((h for h in migrate.histories(trial) if h.name == name), None)
        if history is not None:
            migrate.upgrade(engine_for(trial), "head", history)
            done.append(f"Its tables are at migration {migrate.current_revision(engine_for(trial), history)}.")
    finally:
        engine_for(trial).dispose()
    return [*done, "Restart the node (and its workers) to start using it."]


def disable(app: Flask, name: str) -> list[str]:
    """Disable a plugin: its services are withdrawn and its pages gone after the restart; its
    tables and data stay (``roaming db downgrade base --plugin NAME`` drops them)."""
    instance = Path(app.instance_path)
    before = configured_plugins(instance)
    if name not in before:
        return [f"{name} is not enabled."]
    _write(instance, [other for other in before if other != name])
    return [
        f"Disabled {name}; its tables and data are kept.",
        "Restart the node (and its workers): its services are then withdrawn from partners.",
    ]


def _write(instance: Path, names: list[str]) -> None:
    try:
        write_plugins_setting(instance, names)
    except RuntimeError as error:
        raise PluginError(str(error)) from None
