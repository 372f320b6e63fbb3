"""The instance folder and its files; the settings themselves and their checks are in
``roaming.settings``.

The instance folder (mode 0700) holds one node: ``roaming.toml`` (its settings, mode 0600: it may hold
secrets, such as the password in ``database_url`` that ``roaming init --database-url`` writes),
``secret_key`` (the session signing key, mode 0600), ``keys/`` (the node's Ed25519 key pair) and,
by default, the SQLite database ``roaming.db``. The config file can be shown only when it holds no
secret: give those as ``ROAMING_<KEY>_FILE`` or ``ROAMING_<KEY>`` instead.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import tomllib
from pathlib import Path

CONFIG_FILE = "roaming.toml"
SECRET_KEY_FILE = "secret_key"
ENV_PREFIX = "ROAMING"
PRIVATE_MODE = 0o600  # of roaming.toml and secret_key: readable by the node's user only
PRIVATE_FOLDER_MODE = 0o700  # of the instance folder and keys/: open to the node's user only


class ConfigurationError(RuntimeError):
    """The node's settings do not allow it to start; the message names the setting (several
    problems: one per line)."""


def resolve_instance_path(explicit: str | os.PathLike | None = None) -> Path:
    """The instance folder: explicit argument, else ``ROAMING_INSTANCE``, else ``./instance``."""
    chosen = explicit or os.environ.get(f"{ENV_PREFIX}_INSTANCE") or "instance"
    return Path(chosen).expanduser().resolve()


def read_instance_file(instance_path: Path) -> dict[str, object]:
    """Settings from ``roaming.toml`` (top-level keys, any case), or {} when there is none.

    Raises ``ConfigurationError`` when the file is not valid TOML, when a key (of the file or
    of its tables) is not ASCII, or when two keys of one table differ only in case, naming them:
    keys are upper-cased, so the later of two spellings, or a lookalike such as ``testıng``
    (dotless i), would silently set a setting a reader does not see."""
    path = instance_path / CONFIG_FILE
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"{path.name} in the instance folder is not valid TOML: {error}") from None
    problems = _key_problems(data)
    if len(problems) == 1:
        raise ConfigurationError(f"{CONFIG_FILE}: {problems[0]}")
    if problems:
        raise ConfigurationError(f"{len(problems)} problems in {CONFIG_FILE}:\n  " + "\n  ".join(problems))
    return {key.upper(): value for key, value in data.items()}


def _key_problems(table: dict, prefix: str = "") -> list[str]:
    """Keys of ``table`` and of the tables in it that are not ASCII, or that repeat another key
    of their table in another case; ``prefix`` names the table."""
    problems = []
    spellings: dict[str, str] = {}
    for key, value in table.items():
        name = prefix + escaped(key)
        if not key.isascii():
            problems.append(f"the key {name} is not ASCII; write keys in ASCII only")
        elif key.upper() in spellings:
            problems.append(f"{prefix}{spellings[key.upper()]} and {name} are the same key in another case; keep one")
        else:
            spellings[key.upper()] = key
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):  # a table, or one of an array of tables
                problems += _key_problems(item, f"{name}.")
    return problems


def escaped(name: str) -> str:
    """``name`` with every character that is not ASCII written as a backslash escape, so that a
    lookalike shows (``test\\u0131ng``)."""
    return name.encode("ascii", "backslashreplace").decode()


def read_secret_key(instance_path: Path) -> str | None:
    path = instance_path / SECRET_KEY_FILE
    return path.read_text().strip() if path.exists() else None


def write_instance_files(instance_path: Path, settings: dict[str, object]) -> None:
    """Make ``instance_path`` the node's private folder (mode 0700, also when it exists: it is
    to hold a new instance) and create in it ``roaming.toml`` from ``settings`` and a fresh
    ``secret_key`` (never overwritten), each readable by the node's user only (mode 0600)."""
    instance_path.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    instance_path.chmod(PRIVATE_FOLDER_MODE)
    lines = ["# Roaming node settings. ROAMING_<KEY> environment variables override these.\n"]
    for key, value in settings.items():
        lines.append(f"{key.lower()} = {_toml_value(value)}\n")
    _write_with_mode(instance_path / CONFIG_FILE, "".join(lines), PRIVATE_MODE)
    secret_path = instance_path / SECRET_KEY_FILE
    if not secret_path.exists():
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))


def _write_with_mode(path: Path, text: str, mode: int) -> None:
    """Write ``text`` to ``path``, which then has exactly ``mode`` (an existing file too). A new
    file is created with ``mode`` less the umask, so it is never readable more widely meanwhile;
    an existing one is emptied before anything is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(fd, mode)
        handle.write(text)


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
    """Set ``plugins = [...]`` in roaming.toml, keeping every other line and the file's mode
    (0600 for a new file); refuses when the environment decides (``ROAMING_PLUGINS``)."""
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
    _write_with_mode(temporary, text, stat.S_IMODE(path.stat().st_mode) if path.exists() else PRIVATE_MODE)
    temporary.replace(path)
