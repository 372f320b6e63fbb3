"""The node's settings, typed, and the checks that keep a person from getting them silently wrong.

``SETTINGS`` is the one list of what may be set in ``roaming.toml`` (top-level keys, any case)
and as ``ROAMING_<KEY>`` variables: the node's own settings and the few Flask keys the node
documents. ``ENVIRONMENT_VARIABLES`` lists the ``ROAMING_*`` variables that are read elsewhere
and are not settings. Besides these, only two things are accepted: a table named after an
installed plugin (``[makerspace]``, ``ROAMING_MAKERSPACE__OPENS``; the plugin checks its keys
when it is enabled) and ``ROAMING_<KEY>_FILE`` (the setting is the file's content). Anything else
stops start-up with the nearest known name; a value of the wrong type, out of its setting's range
or choices, or not a finite number, stops it with what is wanted. docs/node.md documents every
name here, with its type, range and choices, and a test holds the two together.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from roaming.config import ENV_PREFIX, ConfigurationError, escaped, read_instance_file
from roaming.logs import LOG_FORMATS

FILE_SUFFIX = "_FILE"
NESTING = "__"
PLUGIN_ENTRY_POINTS = "roaming.plugins"  # roaming.plugins.ENTRY_POINT_GROUP, without importing pluggy here
MAX_SHOWN = 60  # characters of a wrong value shown in an error
MAX_FILE_BYTES = 64 * 1024  # of a ROAMING_<KEY>_FILE: a secret or a setting, never more
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SAMESITE_VALUES = ("Lax", "Strict", "None")
MAX_DAYS = 36_500  # a duration in days at most (a hundred years): dates computed from it stay in the calendar
MAX_SECONDS = MAX_DAYS * 24 * 3600
RATE_LIMIT_FORM = 'a rate limit such as "10 per 5 minutes" or "100/hour; 1000/day"'
KIND_WORDS = {
    str: "text",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list of text",
    dict: "a table",
}


@dataclass(frozen=True)
class Setting:
    """A setting: ``name`` as written in roaming.toml, its ``default``, what it does, and its
    ``kind`` (one of ``KIND_WORDS``; derived from the default unless given, and given where the
    default is None). ``float`` accepts integers too, and finite numbers only; ``list`` means a
    list of text. A number may be bounded below: ``above`` (it must be greater) or ``at_least``,
    and above by ``at_most`` (durations are, so that no date computed from one overflows); a text
    may be one of ``choices`` (exactly as written). ``usable`` is a further check of a
    value of the right kind: what the value must be when it is not usable, else None. A
    ``secret`` setting's value is never shown in an error."""

    name: str
    default: object
    description: str
    kind: type | None = None
    secret: bool = False
    above: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    choices: tuple[str, ...] = ()
    usable: Callable[[object], str | None] | None = None

    @property
    def key(self) -> str:
        return self.name.upper()

    @property
    def value_kind(self) -> type:
        return self.kind or type(self.default)

    @property
    def wanted(self) -> str:
        """What a value must be, in words: ``an integer > 0``, ``one of "text", "json"``."""
        if self.choices:
            return "one of " + ", ".join(json.dumps(choice) for choice in self.choices)
        words = KIND_WORDS[self.value_kind]
        if self.above is not None:
            words = f"{words} > {_number(self.above)}"
        elif self.at_least is not None:
            words = f"{words} >= {_number(self.at_least)}"
        return words if self.at_most is None else f"{words} and <= {_number(self.at_most)}"

    def problem(self, value: object, hidden: bool = False) -> str | None:
        """Why ``value`` cannot be this setting (``must be ..., got ...``), or None when it can.
        The value is shown unless the setting is secret or ``hidden`` (it was read from a file)."""
        kind = self.value_kind
        if kind is float:
            fits = isinstance(value, int | float) and not isinstance(value, bool)
        elif kind is int:
            fits = isinstance(value, int) and not isinstance(value, bool)
        elif kind is list:
            fits = isinstance(value, list) and all(isinstance(item, str) for item in value)
        else:
            fits = isinstance(value, kind)
        if not fits:
            return self._refusal(self.wanted, value, hidden)
        if isinstance(value, float) and not math.isfinite(value):
            return self._refusal("a finite number", value, hidden)
        outside = isinstance(value, int | float) and (
            (self.above is not None and not value > self.above)
            or (self.at_least is not None and not value >= self.at_least)
            or (self.at_most is not None and not value <= self.at_most)
        )
        if outside or (self.choices and value not in self.choices):
            return self._refusal(self.wanted, value, hidden)
        wanted = self.usable(value) if self.usable else None
        return self._refusal(wanted, value, hidden) if wanted else None

    def _refusal(self, wanted: str, value: object, hidden: bool) -> str:
        if self.secret:
            return f"must be {wanted} (the value is a secret and not shown)"
        if hidden:
            return f"must be {wanted} (the value is read from a file and not shown)"
        return f"must be {wanted}, got {_shown(value)}"


def _rate_limit_problem(value: object) -> str | None:
    """``RATE_LIMIT_FORM`` when ``value`` is no rate limit Flask-Limiter reads (it would log an
    error and limit nothing), else None."""
    from limits import parse_many  # imported here: only a rate limit that is set needs it

    try:
        parse_many(str(value))
    except ValueError:
        return RATE_LIMIT_FORM
    return None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _shown(value: object) -> str:
    shown = json.dumps(value, default=str)
    return shown[: MAX_SHOWN - 3] + "..." if len(shown) > MAX_SHOWN else shown


SETTINGS: tuple[Setting, ...] = (
    # the node
    Setting("node_id", None, "the node's id in the federation (init writes a random one)", str),
    Setting("node_name", "Unnamed cluster node", "shown on pages and in the federation"),
    Setting("node_country", None, "the cluster's country (ISO 3166-1 alpha-2)", str),
    Setting("base_url", "http://127.0.0.1:5000", "the node's public address"),
    Setting("secret_key", None, "signs browser sessions (default: the instance's secret_key file)", str, True),
    Setting("database_url", None, "a SQLAlchemy URL (default: roaming.db in the instance)", str, True),
    Setting(
        "database_lock_wait_seconds",
        30,
        "a request waits this long for a lock, then gets 503",
        float,
        above=0,
        at_most=86_400,
    ),
    Setting("plugins", [], "the installed plugins this node loads (installed is not enabled)"),
    Setting("max_content_length", 1024 * 1024, "bytes of a request body; larger ones get 413", above=0),
    Setting("max_form_parts", 200, "parts of a form body; more get 413", above=0),
    Setting("session_cookie_samesite", "Lax", "the session cookie's SameSite attribute", choices=SAMESITE_VALUES),
    Setting("permanent_session_lifetime", 8 * 3600, "seconds a log-in lasts", above=0, at_most=MAX_SECONDS),
    Setting("api_token_default_days", 365, "lifetime of new API tokens", above=0, at_most=MAX_DAYS),
    Setting("invitation_days", 7, "an invitation's link to set a password works this long", above=0, at_most=MAX_DAYS),
    Setting(
        "password_reset_hours",
        2,
        "a password reset's link works this long",
        above=0,
        at_most=MAX_DAYS * 24,
    ),
    Setting(
        "key_activate_after_seconds",
        3600,
        "a new key is published this long before it signs",
        at_least=0,
        at_most=MAX_SECONDS,
    ),
    Setting(
        "key_retire_after_seconds",
        900,
        "an old key stays published this long after it stopped signing",
        at_least=0,
        at_most=MAX_SECONDS,
    ),
    Setting("testing", False, "for the test suite only: Flask's testing mode"),
    # federation
    Setting("coordinator_enabled", False, "this node admits clusters and signs the registry"),
    Setting("coordinator_url", None, "member nodes: where the registry is", str),
    Setting("coordinator_key", None, "member nodes: the coordinator key's fingerprint (RFC 7638)", str),
    Setting(
        "registry_lifetime_seconds",
        3 * 24 * 3600,
        "how long a signed registry stays valid",
        above=0,
        at_most=MAX_SECONDS,
    ),
    Setting("registry_refresh_seconds", 300, "how often members fetch the registry", above=0, at_most=MAX_SECONDS),
    Setting(
        "sync_interval_seconds",
        900,
        "pull from each peer at least this often (notices come sooner)",
        above=0,
        at_most=MAX_SECONDS,
    ),
    Setting(
        "delivery_retry_base_seconds",
        2.0,
        "first retry delay; doubles per attempt, with jitter",
        above=0,
        at_most=MAX_SECONDS,
    ),
    Setting("delivery_retry_max_seconds", 3600.0, "longest retry delay", above=0, at_most=MAX_SECONDS),
    Setting("breaker_threshold", 5, "consecutive failures that open a peer's circuit breaker", above=0),
    Setting(
        "breaker_cooldown_seconds", 60.0, "how long an open breaker pauses a peer", at_least=0, at_most=MAX_SECONDS
    ),
    Setting(
        "peer_unavailable_after_seconds",
        3 * 24 * 3600,
        "failing this long: marked unavailable",
        at_least=0,
        at_most=MAX_SECONDS,
    ),
    Setting(
        "attention_after_attempts", 10, "tries after which an item failing of its own is set aside for staff", above=0
    ),
    Setting("worker_in_process", True, "run the delivery and periodic jobs inside `roaming run`"),
    Setting("worker_tick_seconds", 1.0, "how often the worker looks for due work", above=0, at_most=MAX_SECONDS),
    # serving
    Setting("trusted_proxies", [], "addresses or networks of your reverse proxies"),
    Setting("proxy_hops", 1, "proxies in front of the node, each adding its X-Forwarded-* values", above=0),
    Setting("ratelimit_enabled", True, "whether rate limits apply"),
    Setting("ratelimit_storage_uri", "memory://", "where rate-limit counters live"),
    Setting("login_rate_limit", "10 per 5 minutes", "failed log-ins per client address", usable=_rate_limit_problem),
    Setting(
        "dated_search_rate_limit",
        "20 per minute",
        "searches with dates per person (each asks partners for their free seats)",
        usable=_rate_limit_problem,
    ),
    Setting(
        "federation_rate_limit",
        "1200 per minute",
        "federation requests per peer address, all endpoints",
        usable=_rate_limit_problem,
    ),
    # operations
    Setting("metrics_allowed", ["127.0.0.1", "::1"], "who may read /metrics and the checks of /readyz"),
    Setting("log_level", "INFO", "the lowest level logged", choices=LOG_LEVELS),
    Setting("log_format", "text", '"text", or "json": one object per line', choices=LOG_FORMATS),
    # visits
    Setting("agreement_terms", {}, "this node's (on the coordinator: the federation's) agreement terms"),
    Setting(
        "visit_horizon_days",
        730,
        "visits (and events) may be planned up to this many days ahead",
        above=0,
        at_most=MAX_DAYS,
    ),
    Setting(
        "visit_clock_seconds",
        30.0,
        "how often requests expire, no-shows are released, visits complete",
        above=0,
        at_most=MAX_SECONDS,
    ),
    # follow-up and personal data
    Setting(
        "followup_first_days",
        7,
        "the short survey, this many days after a visit is completed",
        at_least=0,
        at_most=MAX_DAYS,
    ),
    Setting("followup_second_days", 180, "the second survey, months later", at_least=0, at_most=MAX_DAYS),
    Setting(
        "followup_reminder_days", 7, "a reminder when a survey is unanswered this long", at_least=0, at_most=MAX_DAYS
    ),
    Setting("followup_reminders", 1, "reminders per survey at most", at_least=0),
    Setting(
        "visitor_retention_days",
        365,
        "hosts keep visitors' names and e-mails this long after the visit",
        at_least=0,
        at_most=MAX_DAYS,
    ),
    # notifications
    Setting("mail_server", None, "the SMTP server (default: .eml files in the instance's mail/ folder)", str),
    Setting("mail_port", 25, "the SMTP server's port", above=0),
    Setting("mail_use_tls", False, "STARTTLS"),
    Setting("mail_use_ssl", False, "SMTP over TLS"),
    Setting("mail_username", None, "the SMTP login", str),
    Setting("mail_password", None, "the SMTP password", str, True),
    Setting("mail_from", None, 'the sender (default: "<node name> <roaming@<base URL host>>")', str),
    Setting("notify_max_attempts", 8, "tries of a notification that fails", above=0),
    Setting("notify_retry_base_seconds", 30.0, "first retry delay of a notification", above=0, at_most=MAX_SECONDS),
    # single sign-on
    Setting("oidc_enabled", False, "log-in through the cluster's OpenID Connect provider"),
    Setting("oidc_issuer", None, "the provider's issuer URL", str),
    Setting("oidc_client_id", None, "this node's client id at the provider", str),
    Setting("oidc_client_secret", None, "this node's client secret at the provider", str, True),
    Setting("oidc_scope", "openid email profile", "the scopes asked for"),
    Setting("oidc_button_label", "Sign in with your cluster account", "the log-in page's button"),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}

ENVIRONMENT_VARIABLES: dict[str, str] = {
    f"{ENV_PREFIX}_INSTANCE": "the instance folder of every command and of the WSGI app (default ./instance)",
    f"{ENV_PREFIX}_BIND": "gunicorn: the address it listens on (default 127.0.0.1:8000)",
    f"{ENV_PREFIX}_WEB_PROCESSES": "gunicorn: its worker processes (default: cores + 1)",
    f"{ENV_PREFIX}_WEB_THREADS": "gunicorn: threads per worker process (default 4)",
    f"{ENV_PREFIX}_COPY_TARGET": "roaming db copy: the target database's URL, kept out of the process list",
    f"{ENV_PREFIX}_TEST_DATABASE": "the test suite: sqlite (default) or postgresql",
    f"{ENV_PREFIX}_TEST_POSTGRES": "the test suite and benchmarks: the PostgreSQL server's URL",
    f"{ENV_PREFIX}_TEST_CHROMIUM": "the browser tests: the Chromium program to drive",
    f"{ENV_PREFIX}_STATEFUL_EXAMPLES": "the stateful property test: how many runs (default 2)",
    f"{ENV_PREFIX}_STATEFUL_STEPS": "the stateful property test: steps per run (default 12)",
}
"""``ROAMING_*`` variables that are not settings, each with what reads it."""


def defaults() -> dict[str, object]:
    """Every setting's default by its config key (upper case); lists and tables are fresh copies."""
    return {setting.key: copy.deepcopy(setting.default) for setting in SETTINGS}


def load(instance_path: Path, environ: Mapping[str, str]) -> dict[str, object]:
    """The settings given in the instance's roaming.toml, then ``ROAMING_*`` variables, then
    ``ROAMING_<KEY>_FILE`` files (later wins; a table's keys are merged one by one), by config key.

    Variables are parsed as JSON where they parse (a text setting keeps the variable's text when
    it parses as something else, so ``ROAMING_MAIL_PASSWORD=123456`` is text); a ``_FILE`` must be
    a regular file of at most ``MAX_FILE_BYTES``, and is read, stripped and parsed the same way.
    Raises ``ConfigurationError`` naming every unknown name, every name that is not ASCII, every
    value that the setting refuses (``Setting.problem``) and every number that is not finite;
    a value that is secret or read from a file is not shown."""
    found = _Found()
    for key, value in read_instance_file(instance_path).items():
        found.put(key, value, shown=key.lower(), spelling="{name}")
    for variable in sorted(environ):  # ROAMING_<KEY>_FILE sorts after ROAMING_<KEY>: the file wins
        if variable.startswith(f"{ENV_PREFIX}_") and variable not in ENVIRONMENT_VARIABLES:
            found.put_variable(variable, environ[variable])
    if len(found.problems) == 1:
        raise ConfigurationError(found.problems[0])
    if found.problems:
        raise ConfigurationError(f"{len(found.problems)} problems in the settings:\n  " + "\n  ".join(found.problems))
    return found.values


class _Found:
    """Values by config key, and the problems met on the way."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.problems: list[str] = []
        self._plugins: set[str] | None = None

    def put(self, key: str, value: object, shown: str, spelling: str, hidden: bool = False) -> None:
        """Set top-level ``key``; ``shown`` names it in messages and ``spelling`` (a format
        string of ``name`` or ``NAME``) spells a suggested setting the same way; ``hidden``: the
        value was read from a file and is not shown."""
        setting = BY_KEY.get(key)
        if setting is not None:
            problem = setting.problem(value, hidden)
            problems = [f"{shown}: {problem}"] if problem else _not_finite(value, shown)
        elif key.lower() in self.plugins():
            if isinstance(value, dict):
                problems = _not_finite(value, shown)
            else:
                problems = [f"{shown}: must be a table (the {key.lower()} plugin's settings)"]
        else:
            problems = [f"{shown}: {_unknown(key.lower(), self.names(), spelling)}"]
        if problems:
            self.problems += problems
        else:
            self.values[key] = value

    def put_variable(self, variable: str, text: str) -> None:
        name = variable.removeprefix(f"{ENV_PREFIX}_")
        if not variable.isascii():  # a lookalike whose case changes into a known name's
            self.problems.append(f"{escaped(variable)}: the name is not ASCII; write names in ASCII only")
        elif NESTING in name:
            self.put_nested(variable, name, text)
        elif name.endswith(FILE_SUFFIX) and name not in BY_KEY:
            self.put_file(variable, name.removesuffix(FILE_SUFFIX), text)
        elif name in BY_KEY or name.lower() in self.plugins():
            self.put(name, _parsed(text, BY_KEY.get(name)), shown=variable, spelling=f"{ENV_PREFIX}_{{NAME}}")
        else:
            others = [other.removeprefix(f"{ENV_PREFIX}_").lower() for other in ENVIRONMENT_VARIABLES]
            spelling = f"{ENV_PREFIX}_{{NAME}}"
            self.problems.append(f"{variable}: {_unknown(name.lower(), [*self.names(), *others], spelling)}")

    def put_file(self, variable: str, key: str, path: str) -> None:
        setting = BY_KEY.get(key)
        if setting is None:
            spelling = f"{ENV_PREFIX}_{{NAME}}{FILE_SUFFIX}"
            self.problems.append(f"{variable}: {_unknown(key.lower(), list(map(str.lower, BY_KEY)), spelling)}")
            return
        try:
            text = _file_text(path)
        except OSError as error:
            self.problems.append(f"{variable} names a file that cannot be read: {error.strerror}")
            return
        except ValueError as error:
            self.problems.append(f"{variable} {error}")
            return
        self.put(key, _parsed(text, setting), shown=variable, spelling="", hidden=True)

    def put_nested(self, variable: str, name: str, text: str) -> None:
        """``ROAMING_<TABLE>__<KEY>[__<KEY>...]``: one key of a table setting or of a plugin's
        table (the keys below the table in lower case)."""
        head, *path = name.split(NESTING)
        setting = BY_KEY.get(head)
        if not ((setting is not None and setting.value_kind is dict) or head.lower() in self.plugins()):
            tables = [s.name for s in SETTINGS if s.value_kind is dict] + sorted(self.plugins())
            spelling = f"{ENV_PREFIX}_{{NAME}}{NESTING}{NESTING.join(path)}"
            self.problems.append(f"{variable}: {_unknown(head.lower(), tables, spelling, kind='table')}")
            return
        value = _parsed(text, None)
        not_finite = _not_finite(value, variable)
        if not_finite:
            self.problems += not_finite
            return
        table: object = self.values.setdefault(head, copy.deepcopy(setting.default) if setting else {})
        for part in path[:-1]:
            table = table.setdefault(part.lower(), {}) if isinstance(table, dict) else None
        if isinstance(table, dict):
            table[path[-1].lower()] = value
        else:
            inner = ".".join(part.lower() for part in [head, *path[:-1]])
            self.problems.append(f"{variable}: {inner} is not a table")

    def plugins(self) -> set[str]:
        """The installed plugins' names (looked up once, and only when a name is not a setting)."""
        if self._plugins is None:
            self._plugins = {entry.name for entry in entry_points(group=PLUGIN_ENTRY_POINTS)}
        return self._plugins

    def names(self) -> list[str]:
        return [setting.name for setting in SETTINGS] + sorted(self.plugins())


def _not_finite(value: object, shown: str) -> list[str]:
    """A problem for each number in ``value`` (in its lists and tables too) that is not finite,
    named by its place below ``shown``."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{shown}: must be a finite number, got {_shown(value)}"]
    if isinstance(value, dict):
        return [problem for key, item in value.items() for problem in _not_finite(item, f"{shown}.{key}")]
    if isinstance(value, list):
        return [problem for index, item in enumerate(value) for problem in _not_finite(item, f"{shown}[{index}]")]
    return []


def _file_text(path: str) -> str:
    """The stripped UTF-8 text of a ``ROAMING_<KEY>_FILE``. Raises ``OSError`` when it cannot be
    read, and ``ValueError`` saying why (following the variable's name) when it is not a regular
    file (a FIFO would block start-up, a device such as /dev/zero never end), is larger than
    ``MAX_FILE_BYTES`` (of which at most one byte more is read) or is not UTF-8."""
    with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("must name a regular file (not a FIFO or a device)")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"names a file larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return data.decode().strip()
    except UnicodeDecodeError:
        raise ValueError("names a file that is not UTF-8 text") from None


def _parsed(text: str, setting: Setting | None) -> object:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if setting is not None and setting.value_kind is str and not isinstance(value, str):
        return text
    return value


def _unknown(name: str, known: list[str], spelling: str, kind: str = "setting") -> str:
    """``unknown setting; did you mean ...?`` with the closest of ``known``, spelled by
    ``spelling``, or a pointer to the documentation when none is close."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"unknown {kind}; did you mean {spelling.format(name=close[0], NAME=close[0].upper())}?"
    return f'unknown {kind}, and no known one is close; docs/node.md lists them all (section "Settings")'
