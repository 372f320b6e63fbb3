"""Layered configuration: defaults, then the instance file, then ROAMING_* variables, then overrides.

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

DEFAULTS: dict[str, object] = {
    "NODE_ID": None,  # None: derived from BASE_URL (init writes a random one)
    "NODE_NAME": "Unnamed cluster node",
    "NODE_COUNTRY": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "DATABASE_URL": None,  # None: roaming.db in the instance folder
    "DATABASE_LOCK_WAIT_SECONDS": 30,  # a request waits this long for a lock, then gets 503
    "PLUGINS": [],  # the installed plugins this node loads (installed is not enabled)
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # bytes of a request body; larger ones get 413
    "MAX_FORM_PARTS": 200,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "API_TOKEN_DEFAULT_DAYS": 365,
    "KEY_ACTIVATE_AFTER_SECONDS": 3600,  # a new key is published this long before it signs
    "KEY_RETIRE_AFTER_SECONDS": 900,  # an old key stays published this long after it stopped signing
    # federation
    "COORDINATOR_ENABLED": False,  # this node admits clusters and signs the registry
    "COORDINATOR_URL": None,  # member nodes: where the registry is
    "COORDINATOR_KEY": None,  # member nodes: the coordinator key's fingerprint (RFC 7638)
    "REGISTRY_LIFETIME_SECONDS": 3 * 24 * 3600,  # how long a signed registry stays valid
    "REGISTRY_REFRESH_SECONDS": 300,
    "SYNC_INTERVAL_SECONDS": 900,  # pull from each peer at least this often (notices come sooner)
    "DELIVERY_RETRY_BASE_SECONDS": 2.0,  # first retry delay; doubles per attempt, with jitter
    "DELIVERY_RETRY_MAX_SECONDS": 3600.0,
    "BREAKER_THRESHOLD": 5,  # consecutive failures that open a peer's circuit breaker
    "BREAKER_COOLDOWN_SECONDS": 60.0,
    "PEER_UNAVAILABLE_AFTER_SECONDS": 3 * 24 * 3600,  # failing this long: marked unavailable
    "WORKER_IN_PROCESS": True,  # run the delivery and periodic jobs inside `roaming run`
    "WORKER_TICK_SECONDS": 1.0,
    # serving
    "TRUSTED_PROXIES": [],  # addresses/networks of your reverse proxies, e.g. ["127.0.0.1"]
    "PROXY_HOPS": 1,  # proxies in front of the node, each adding its X-Forwarded-* values
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",  # per process; "redis://host:6379" counts across processes
    "LOGIN_RATE_LIMIT": "10 per 5 minutes",  # failed log-ins per client address
    "FEDERATION_RATE_LIMIT": "1200 per minute",  # federation requests per peer address, all endpoints
    # operations
    "METRICS_ALLOWED": ["127.0.0.1", "::1"],  # who may read /metrics (after trusted-proxy handling)
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "text",  # or "json": one object per line, for a log collector
    # visits
    "AGREEMENT_TERMS": {},  # [agreement_terms] table: this node's (on the coordinator: the federation's) terms
    "VISIT_CLOCK_SECONDS": 30.0,  # how often requests expire, no-shows are released, visits complete
    # follow-up and personal data
    "FOLLOWUP_FIRST_DAYS": 7,  # the short survey, this many days after a visit is completed
    "FOLLOWUP_SECOND_DAYS": 180,  # the second survey, months later
    "FOLLOWUP_REMINDER_DAYS": 7,  # a reminder when a survey is unanswered this long
    "FOLLOWUP_REMINDERS": 1,  # reminders per survey at most
    "VISITOR_RETENTION_DAYS": 365,  # hosts keep visitors' names and e-mails this long after the visit
    # notifications
    "MAIL_SERVER": None,  # None: write messages as .eml files to the instance's mail/ folder
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,  # STARTTLS
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,  # better set as ROAMING_MAIL_PASSWORD
    "MAIL_FROM": None,  # None: "<node name> <roaming@<base URL host>>"
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_RETRY_BASE_SECONDS": 30.0,
    "OIDC_ENABLED": False,
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPE": "openid email profile",
    "OIDC_BUTTON_LABEL": "Sign in with your cluster account",
    # flask-smorest / OpenAPI
    "API_TITLE": "Roaming node API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
}


class ConfigurationError(RuntimeError):
    """The node's settings do not allow it to start; the message names the setting."""


def secrets_from_files(config: dict) -> None:
    """``ROAMING_<KEY>_FILE=/path`` sets KEY to the file's content (stripped), the way container
    and systemd credentials hand over secrets without putting them in the environment."""
    for variable, path in os.environ.items():
        if not (variable.startswith(f"{ENV_PREFIX}_") and variable.endswith("_FILE")):
            continue
        key = variable[len(ENV_PREFIX) + 1 : -len("_FILE")]
        try:
            config[key] = Path(path).read_text().strip()
        except OSError as error:
            raise ConfigurationError(f"{variable} names a file that cannot be read: {error.strerror}") from None
        config.pop(f"{key}_FILE", None)


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
