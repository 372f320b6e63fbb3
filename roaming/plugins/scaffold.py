"""``roaming plugins new NAME``: a ready-to-install plugin from the project's template."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from roaming.plugins import BUILTINS, NAME, PluginError
from roaming.plugins.compatibility import recommended_range

TEMPLATE = files("roaming.plugins") / "template"


def new_plugin(name: str, parent: Path) -> Path:
    """Write the distribution ``roaming-plugin-<name>`` into ``parent/<name>``; returns the folder.
    Refuses a bad name or an existing folder. The plugin declares the plugin API versions from this
    node's up to the next major one (``roaming_plugin_api = ">=1.0,<2"``)."""
    if not NAME.match(name) or name in BUILTINS:
        raise PluginError(
            f"'{name}' is not a plugin name: use 2-40 lower-case letters, digits or _, starting with a letter."
        )
    target = parent / name
    if target.exists():
        raise PluginError(f"{target} exists already.")
    title = name.replace("_", " ").capitalize()
    values = {"{{name}}": name, "{{title}}": title, "{{plugin_api}}": recommended_range()}
    for relative, source in _files(TEMPLATE, ""):
        destination = target / relative.replace("package", f"roaming_{name}").removesuffix(".tmpl")
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text()
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        destination.write_text(text)
    return target


def _files(folder, prefix: str):
    """``(relative path, file)`` for every template file under ``folder``."""
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            yield from _files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".tmpl"):
            yield f"{prefix}{entry.name}", entry
