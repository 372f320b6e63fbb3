"""``roaming plugins new NAME``: a ready-to-install plugin from the project's template."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from roaming.plugins import BUILTINS, NAME, PluginError

TEMPLATE = files("roaming.plugins") / "template"


def new_plugin(name: str, parent: Path) -> Path:
    """Write the distribution ``roaming-plugin-<name>`` into ``parent/<name>``; returns the folder.
    Refuses a bad name or an existing folder."""
    if not NAME.match(name) or name in BUILTINS:
        raise PluginError(
            f"'{name}' is not a plugin name: use 2-40 lower-case letters, digits or _, starting with a letter."
        )
    target = parent / name
    if target.exists():
        raise PluginError(f"{target} exists already.")
    title = name.replace("_", " ").capitalize()
    for relative, source in _files(TEMPLATE, ""):
        destination = target / relative.replace("package", f"roaming_{name}").removesuffix(".tmpl")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(source.read_text().replace("{{name}}", name).replace("{{title}}", title))
    return target


def _files(folder, prefix: str):
    """``(relative path, file)`` for every template file under ``folder``."""
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            yield from _files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".tmpl"):
            yield f"{prefix}{entry.name}", entry
