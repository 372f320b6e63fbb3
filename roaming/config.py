"""The instance folder and its files; the settings themselves and their checks are in
``roaming.settings``.

The instance folder holds one node: ``roaming.toml`` (plain settings), ``secret_key`` (the session
signing key, mode 0600), ``keys/`` (the node's Ed25519 key pair) and, by default, the SQLite
database ``roaming.db``. Secrets live in files of their own so the config file can be shown.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tomllib
from pathlib import Path

CONFIG_FILE = "roaming.toml"
SECRET_KEY_FILE = "secret_key"
ENV_PREFIX = "ROAMING"


class ConfigurationError(RuntimeError):
    """The node's settings do not allow it to start; the message names the setting (several
    problems: one per line)."""


def resolve_instance_path(explicit: str | os.PathLike | None = None) -> Path:
    """The instance folder: explicit argument, else ``ROAMING_INSTANCE``, else ``./instance``."""
    chosen = explicit or os.environ.get(f"{ENV_PREFIX}_INSTANCE") or "instance"
    return Path(chosen).expanduser().resolve()


def read_instance_file(instance_path: Path) -> dict[str, object]:
    """Settings from ``roaming.toml`` (top-level keys, any case), or {} when there is none."""
    path = instance_path / CONFIG_FILE
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"{path.name} in the instance folder is not valid TOML: {error}") from None
    return {key.upper(): value for key, value in data.items()}


def read_secret_key(instance_path: Path) -> str | None:
    path = instance_path / SECRET_KEY_FILE
    return path.read_text().strip() if path.exists() else None


def write_instance_files(instance_path: Path, settings: dict[str, object]) -> None:
    """Create ``roaming.toml`` from ``settings`` and a fresh ``secret_key`` (never overwritten)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    lines = ["# Roaming node settings. ROAMING_<KEY> environment variables override these.\n"]
    for key, value in settings.items():
        lines.append(f"{key.lower()} = {_toml_value(value)}\n")
    (instance_path / CONFIG_FILE).write_text("".join(lines))
    secret_path = instance_path / SECRET_KEY_FILE
    if not secret_path.exists():
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


PLUGINS_LINE = re.compile(r"^\s*plugins\s*=")


def configured_plugins(instance_path: Path) -> list[str]:
    """The plugins the node's configuration enables now (``ROAMING_PLUGINS`` or roaming.toml);
    a running node may still run the list it started with."""
    if f"{ENV_PREFIX}_PLUGINS" in os.environ:
        return list(json.loads(os.environ[f"{ENV_PREFIX}_PLUGINS"]))
    return list(read_instance_file(instance_path).get("PLUGINS") or [])


def write_plugins_setting(instance_path: Path, names: list[str]) -> None:
    """Set ``plugins = [...]`` in roaming.toml, keeping every other line; refuses when the
    environment decides (``ROAMING_PLUGINS``)."""
    if f"{ENV_PREFIX}_PLUGINS" in os.environ:
        raise RuntimeError(f"{ENV_PREFIX}_PLUGINS is set in the environment: change the plugin list there.")
    path = instance_path / CONFIG_FILE
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    setting = f"plugins = {json.dumps(names)}\n"
    first_table = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    start = next((i for i, line in enumerate(lines[:first_table]) if PLUGINS_LINE.match(line)), None)
    if start is None:
        lines.insert(first_table, setting)
    else:
        end = start
        while "]" not in lines[end].split("#", 1)[0] and end + 1 < first_table:
            end += 1  # a list written over several lines
        lines[start : end + 1] = [setting]
    text = "".join(lines)
    if tomllib.loads(text).get("plugins") != names:
        raise RuntimeError(f"Could not set the plugins line in {CONFIG_FILE}; edit it by hand.")
    temporary = path.with_suffix(".toml.new")
    temporary.write_text(text)
    temporary.replace(path)
