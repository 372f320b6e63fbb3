"""Settings a person cannot get silently wrong: an unknown name in roaming.toml or among the
``ROAMING_*`` variables, or a value of the wrong type, stops start-up naming it (and the nearest
known name); what is legitimately there is accepted."""

from __future__ import annotations

import itertools
import os
import stat
import sys

import pytest

from roaming import create_app
from roaming.config import ConfigurationError, write_instance_files, write_plugins_setting
from roaming.plugins import ENTRY_POINT_GROUP, PluginError
from roaming.plugins import settings as plugin_settings
from roaming.settings import ENVIRONMENT_VARIABLES, PLUGIN_ENTRY_POINTS
from tests.plugins.conftest import install_fake_plugin

pytestmark = pytest.mark.one_database(reason="which settings are accepted, and the messages when they are not")

GREETER = """
from roaming.plugins import hookimpl

@hookimpl
def roaming_default_settings():
    return {"greeting": "Hello", "repeat": 1}
"""


@pytest.fixture
def start(instance_folder, monkeypatch):
    """A factory: the app of a new node whose roaming.toml gets ``lines`` and whose environment
    gets ``environment`` (ROAMING_* variables, kept for the rest of the test)."""
    folders = itertools.count()

    def make(*lines: str, **environment: str):
        path = instance_folder(f"node-{next(folders)}")
        with (path / "roaming.toml").open("a") as config:
            config.writelines(f"{line}\n" for line in lines)
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        return create_app({"INSTANCE_PATH": path, "SECRET_KEY": "test"})

    return make


@pytest.fixture
def refused(start):
    """A factory: the ConfigurationError message of a node started with these settings."""

    def make(*lines: str, **environment: str) -> str:
        with pytest.raises(ConfigurationError) as raised:
            start(*lines, **environment)
        return str(raised.value)

    return make


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path for fake plugin distributions (their modules forgotten afterwards)."""
    folder = tmp_path / "site"
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(folder)):
            del sys.modules[name]


def test_an_unknown_file_key_names_the_nearest_setting(refused):
    assert refused('coordinater_url = "https://coordinator.example"') == (
        "coordinater_url: unknown setting; did you mean coordinator_url?"
    )
    assert refused("Log_Levl = 'DEBUG'") == "log_levl: unknown setting; did you mean log_level?"


@pytest.mark.parametrize(
    ("variable", "nearest"),
    [("ROAMING_COORDINATER_URL", "ROAMING_COORDINATOR_URL"), ("ROAMING_INSTANCES", "ROAMING_INSTANCE")],
)
def test_an_unknown_variable_names_the_nearest_variable(refused, variable, nearest):
    assert refused(**{variable: "https://coordinator.example"}) == (
        f"{variable}: unknown setting; did you mean {nearest}?"
    )


def test_a_secret_file_for_an_unknown_setting_names_the_nearest(refused, tmp_path):
    assert refused(ROAMING_DATABSE_URL_FILE=str(tmp_path)) == (
        "ROAMING_DATABSE_URL_FILE: unknown setting; did you mean ROAMING_DATABASE_URL_FILE?"
    )


def test_an_unknown_name_with_nothing_close_points_to_the_documentation(refused):
    message = 'unknown setting, and no known one is close; docs/node.md lists them all (section "Settings")'
    assert refused("frobnicate = 1") == f"frobnicate: {message}"


def test_every_problem_is_listed_at_once(refused):
    assert refused("sync_intervall_seconds = 60", 'mail_port = "25"', ROAMING_NODE_NAM="Cork") == (
        "3 problems in the settings:\n"
        "  sync_intervall_seconds: unknown setting; did you mean sync_interval_seconds?\n"
        '  mail_port: must be an integer > 0, got "25"\n'
        "  ROAMING_NODE_NAM: unknown setting; did you mean ROAMING_NODE_NAME?"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("node_name = 3", "node_name: must be text, got 3"),
        ("max_content_length = 2.5", "max_content_length: must be an integer > 0, got 2.5"),
        ("api_token_default_days = true", "api_token_default_days: must be an integer > 0 and <= 36500, got true"),
        (
            'database_lock_wait_seconds = "thirty"',
            'database_lock_wait_seconds: must be a number > 0 and <= 86400, got "thirty"',
        ),
        ('mail_use_tls = "yes"', 'mail_use_tls: must be true or false, got "yes"'),
        ('trusted_proxies = "127.0.0.1"', 'trusted_proxies: must be a list of text, got "127.0.0.1"'),
        ("metrics_allowed = [127]", "metrics_allowed: must be a list of text, got [127]"),
        ("agreement_terms = 5", "agreement_terms: must be a table, got 5"),
        ("mail_password = 123456", "mail_password: must be text (the value is a secret and not shown)"),
    ],
)
def test_a_file_value_of_the_wrong_type_is_refused(refused, line, message):
    assert refused(line) == message


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ROAMING_MAX_FORM_PARTS", "many", 'must be an integer > 0, got "many"'),
        ("ROAMING_WORKER_TICK_SECONDS", "soon", 'must be a number > 0 and <= 3153600000, got "soon"'),
        ("ROAMING_OIDC_ENABLED", "1", "must be true or false, got 1"),
        ("ROAMING_PLUGINS", "makerspace", 'must be a list of text, got "makerspace"'),
        ("ROAMING_AGREEMENT_TERMS", '["max_people"]', 'must be a table, got ["max_people"]'),
    ],
)
def test_a_variable_of_the_wrong_type_is_refused_after_parsing(refused, variable, value, message):
    assert refused(**{variable: value}) == f"{variable}: {message}"


def test_variables_are_parsed_as_json_and_text_settings_keep_their_text(start):
    app = start(
        ROAMING_MAX_CONTENT_LENGTH="2000",
        ROAMING_VISIT_CLOCK_SECONDS="10",  # an integer where a number is wanted
        ROAMING_RATELIMIT_ENABLED="false",
        ROAMING_TRUSTED_PROXIES='["10.0.0.1"]',
        ROAMING_NODE_NAME="1234",
        ROAMING_MAIL_PASSWORD="true",
        ROAMING_MAIL_FROM='"Quoted <roaming@cork.example>"',
        ROAMING_TESTING="true",
    )
    config = app.config
    assert (config["MAX_CONTENT_LENGTH"], config["VISIT_CLOCK_SECONDS"], config["RATELIMIT_ENABLED"]) == (
        2000,
        10,
        False,
    )
    assert config["TRUSTED_PROXIES"] == ["10.0.0.1"] and app.testing is True
    assert (config["NODE_NAME"], config["MAIL_PASSWORD"]) == ("1234", "true")
    assert config["MAIL_FROM"] == "Quoted <roaming@cork.example>"


def test_a_secret_file_sets_its_setting_and_wins_over_the_variable(start, refused, tmp_path):
    (tmp_path / "password").write_text("from-the-file\n")
    (tmp_path / "size").write_text("4096\n")
    app = start(
        ROAMING_MAIL_PASSWORD="from-the-variable",
        ROAMING_MAIL_PASSWORD_FILE=str(tmp_path / "password"),
        ROAMING_MAX_CONTENT_LENGTH_FILE=str(tmp_path / "size"),
    )
    assert app.config["MAIL_PASSWORD"] == "from-the-file" and app.config["MAX_CONTENT_LENGTH"] == 4096
    assert "MAIL_PASSWORD_FILE" not in app.config
    assert refused(ROAMING_OIDC_CLIENT_SECRET_FILE=str(tmp_path / "missing")) == (
        "ROAMING_OIDC_CLIENT_SECRET_FILE names a file that cannot be read: No such file or directory"
    )


def test_variables_that_are_not_settings_are_accepted(start):
    app = start(**{variable: os.environ.get(variable, "1") for variable in ENVIRONMENT_VARIABLES})
    assert not {variable.removeprefix("ROAMING_") for variable in ENVIRONMENT_VARIABLES} & set(app.config)


def test_a_table_setting_takes_keys_from_the_file_and_the_environment(start, monkeypatch):
    app = start("[agreement_terms]", "max_people = 2", ROAMING_AGREEMENT_TERMS__CHECKIN_BY="10:00")
    assert app.config["AGREEMENT_TERMS"] == {"max_people": 2, "checkin_by": "10:00"}
    assert start(ROAMING_AGREEMENT_TERMS__MAX_PEOPLE="4").config["AGREEMENT_TERMS"] == {
        "checkin_by": "10:00",
        "max_people": 4,
    }
    monkeypatch.delenv("ROAMING_AGREEMENT_TERMS__CHECKIN_BY")
    monkeypatch.delenv("ROAMING_AGREEMENT_TERMS__MAX_PEOPLE")
    assert start().config["AGREEMENT_TERMS"] == {}  # the default is not shared between apps


def test_a_nested_variable_needs_a_table(refused):
    assert refused(ROAMING_AGREMENT_TERMS__MAX_PEOPLE="2") == (
        "ROAMING_AGREMENT_TERMS__MAX_PEOPLE: unknown table; did you mean ROAMING_AGREEMENT_TERMS__MAX_PEOPLE?"
    )


def test_a_nested_variable_goes_only_into_tables(refused):
    assert refused("[agreement_terms]", "max_people = 2", ROAMING_AGREEMENT_TERMS__MAX_PEOPLE__SOFT="3") == (
        "ROAMING_AGREEMENT_TERMS__MAX_PEOPLE__SOFT: agreement_terms.max_people is not a table"
    )


def test_an_installed_plugins_table_is_kept_while_it_is_not_enabled(site, start):
    install_fake_plugin(site, "greeter", GREETER)
    app = start("[greeter]", 'greeting = "Moin"', "anything = 1")
    assert app.config["GREETER"] == {"greeting": "Moin", "anything": 1}


def test_an_enabled_plugin_reads_its_table_and_variables_and_refuses_other_keys(site, start, refused):
    install_fake_plugin(site, "greeter", GREETER)
    app = start('plugins = ["greeter"]', "[greeter]", 'greeting = "Moin"', ROAMING_GREETER__REPEAT="3")
    with app.app_context():
        assert plugin_settings("greeter") == {"greeting": "Moin", "repeat": 3}
    with pytest.raises(PluginError, match="Plugin 'greeter' has no setting volume"):
        start('plugins = ["greeter"]', "[greeter]", "volume = 11")


def test_a_table_for_no_installed_plugin_names_the_nearest(site, refused):
    install_fake_plugin(site, "greeter", GREETER)
    assert refused("[greetr]", 'greeting = "Moin"') == "greetr: unknown setting; did you mean greeter?"
    assert refused("greeter = 1") == "greeter: must be a table (the greeter plugin's settings)"


def test_plugins_are_found_where_the_plugin_loader_finds_them():
    assert PLUGIN_ENTRY_POINTS == ENTRY_POINT_GROUP


def test_agreement_terms_name_each_bad_key_and_the_nearest_term(refused):
    message = refused("[agreement_terms]", "max_pepole = 4", 'checkin_by = "late"', "free_days_per_visit = 3")
    assert message.splitlines() == [
        "agreement_terms.checkin_by: A time HH:MM is expected.",
        "agreement_terms.max_pepole: unknown term; did you mean max_people?",
        "(set in roaming.toml's [agreement_terms] table or by ROAMING_AGREEMENT_TERMS__<KEY>)",
    ]


@pytest.mark.parametrize(
    ("lines", "environment", "shown"),
    [
        (("login_rate_limit = '10 per 5 minutos'",), {}, "login_rate_limit"),
        ((), {"ROAMING_LOGIN_RATE_LIMIT": "10 per 5 minutos"}, "ROAMING_LOGIN_RATE_LIMIT"),
        (("federation_rate_limit = '1200 per minutes please'",), {}, "federation_rate_limit"),
    ],
)
def test_a_rate_limit_that_does_not_parse_is_refused(refused, lines, environment, shown):
    """Flask-Limiter would log "failed to load ratelimit" and let every request through."""
    value = (list(environment.values()) or [lines[0].split("'")[1]])[0]
    assert refused(*lines, **environment) == (
        f'{shown}: must be a rate limit such as "10 per 5 minutes" or "100/hour; 1000/day", got "{value}"'
    )


def test_rate_limits_in_the_forms_flask_limiter_reads_are_accepted(start):
    app = start("login_rate_limit = '5/minute; 50/day'", ROAMING_FEDERATION_RATE_LIMIT="100 per 2 seconds")
    assert (app.config["LOGIN_RATE_LIMIT"], app.config["FEDERATION_RATE_LIMIT"]) == (
        "5/minute; 50/day",
        "100 per 2 seconds",
    )


def test_keys_of_the_file_that_differ_only_in_case_are_refused_naming_both(refused):
    """Keys are upper-cased: the later one would silently win."""
    assert refused("testing = false", "TESTING = true") == (
        "roaming.toml: testing and TESTING are the same key in another case; keep one"
    )
    assert refused("[agreement_terms]", "max_people = 2", "Max_People = 3") == (
        "roaming.toml: agreement_terms.max_people and agreement_terms.Max_People are the same key in another case; "
        "keep one"
    )


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('"test\u0131ng" = true', "test\\u0131ng"),  # a dotless i, whose upper case is I: TESTING
        ('"\u017fecret_key" = "chosen by someone else"', "\\u017fecret_key"),  # a long s: SECRET_KEY
        ('agreement_terms."max_p\u0435ople" = 2', "agreement_terms.max_p\\u0435ople"),  # a Cyrillic e
    ],
)
def test_a_file_key_that_is_not_ascii_is_refused(refused, line, shown):
    assert refused(line) == f"roaming.toml: the key {shown} is not ASCII; write keys in ASCII only"


def test_a_variable_whose_name_is_not_ascii_is_refused(refused):
    variable = "ROAMING_AGREEMENT_TERMS__CHEC\u212aIN_BY"  # a Kelvin sign, whose lower case is k: checkin_by
    assert refused(**{variable: "10:00"}) == (
        "ROAMING_AGREEMENT_TERMS__CHEC\\u212aIN_BY: the name is not ASCII; write names in ASCII only"
    )


def test_a_secret_file_must_be_a_regular_file(refused, tmp_path):
    """A FIFO would hang start-up, a device such as /dev/zero exhaust the memory."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (fifo, os.devnull):
        assert refused(ROAMING_MAIL_PASSWORD_FILE=str(path)) == (
            "ROAMING_MAIL_PASSWORD_FILE must name a regular file (not a FIFO or a device)"
        )


def test_a_secret_file_larger_than_64_kib_is_refused(start, refused, tmp_path):
    (tmp_path / "largest").write_text("x" * 64 * 1024)
    assert len(start(ROAMING_MAIL_PASSWORD_FILE=str(tmp_path / "largest")).config["MAIL_PASSWORD"]) == 64 * 1024
    (tmp_path / "larger").write_text("x" * (64 * 1024 + 1))
    assert refused(ROAMING_MAIL_PASSWORD_FILE=str(tmp_path / "larger")) == (
        "ROAMING_MAIL_PASSWORD_FILE names a file larger than 64 KiB"
    )


def test_a_value_from_a_file_is_never_shown(refused, tmp_path):
    (tmp_path / "shadow").write_text("root:$y$j9T$not-for-the-log:19000:0:99999:7:::\n")
    (tmp_path / "level").write_text("LOUD-and-private\n")
    message = refused(ROAMING_PLUGINS_FILE=str(tmp_path / "shadow"), ROAMING_LOG_LEVEL_FILE=str(tmp_path / "level"))
    assert message.splitlines()[1:] == [
        '  ROAMING_LOG_LEVEL_FILE: must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" '
        "(the value is read from a file and not shown)",
        "  ROAMING_PLUGINS_FILE: must be a list of text (the value is read from a file and not shown)",
    ]


@pytest.mark.parametrize(
    ("lines", "environment", "message"),
    [
        (("breaker_cooldown_seconds = nan",), {}, "breaker_cooldown_seconds: must be a finite number, got NaN"),
        (
            ("delivery_retry_max_seconds = -inf",),
            {},
            "delivery_retry_max_seconds: must be a finite number, got -Infinity",
        ),
        (
            (),
            {"ROAMING_WORKER_TICK_SECONDS": "Infinity"},
            "ROAMING_WORKER_TICK_SECONDS: must be a finite number, got Infinity",
        ),
        (("[agreement_terms]", "max_people = nan"), {}, "agreement_terms.max_people: must be a finite number, got NaN"),
        (
            (),
            {"ROAMING_AGREEMENT_TERMS__MAX_PEOPLE": "NaN"},
            "ROAMING_AGREEMENT_TERMS__MAX_PEOPLE: must be a finite number, got NaN",
        ),
    ],
)
def test_numbers_that_are_not_finite_are_refused(refused, lines, environment, message):
    assert refused(*lines, **environment) == message


@pytest.mark.parametrize(
    ("lines", "environment", "message"),
    [
        (("worker_tick_seconds = 0",), {}, "worker_tick_seconds: must be a number > 0 and <= 3153600000, got 0"),
        (
            (),
            {"ROAMING_WORKER_TICK_SECONDS": "-1.5"},
            "ROAMING_WORKER_TICK_SECONDS: must be a number > 0 and <= 3153600000, got -1.5",
        ),
        (
            ("followup_second_days = 1000000",),
            {},
            "followup_second_days: must be an integer >= 0 and <= 36500, got 1000000",
        ),
        (
            (),
            {"ROAMING_VISIT_HORIZON_DAYS": "0"},
            "ROAMING_VISIT_HORIZON_DAYS: must be an integer > 0 and <= 36500, got 0",
        ),
        (("max_content_length = -1",), {}, "max_content_length: must be an integer > 0, got -1"),
        (("followup_reminders = -1",), {}, "followup_reminders: must be an integer >= 0, got -1"),
        (
            ('log_level = "LOUD"',),
            {},
            'log_level: must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", got "LOUD"',
        ),
        ((), {"ROAMING_LOG_FORMAT": "xml"}, 'ROAMING_LOG_FORMAT: must be one of "text", "json", got "xml"'),
        (
            ('session_cookie_samesite = "Relaxed"',),
            {},
            'session_cookie_samesite: must be one of "Lax", "Strict", "None", got "Relaxed"',
        ),
    ],
)
def test_values_out_of_their_settings_range_are_refused(refused, lines, environment, message):
    assert refused(*lines, **environment) == message


def test_the_lowest_values_a_setting_allows_are_accepted(start):
    app = start("followup_reminders = 0", "key_activate_after_seconds = 0", ROAMING_WORKER_TICK_SECONDS="0.01")
    assert (app.config["FOLLOWUP_REMINDERS"], app.config["KEY_ACTIVATE_AFTER_SECONDS"]) == (0, 0)
    assert app.config["WORKER_TICK_SECONDS"] == 0.01


def test_the_config_file_is_written_private_and_rewritten_at_its_mode(tmp_path):
    """roaming.toml may hold database_url's password: readable by the node's user only."""
    write_instance_files(tmp_path, {"node_name": "Private", "database_url": "postgresql://roaming:pw@db/roaming"})
    assert stat.S_IMODE((tmp_path / "roaming.toml").stat().st_mode) == 0o600
    write_plugins_setting(tmp_path, ["greeter"])
    assert stat.S_IMODE((tmp_path / "roaming.toml").stat().st_mode) == 0o600
    (tmp_path / "roaming.toml").chmod(0o640)
    write_plugins_setting(tmp_path, [])
    assert stat.S_IMODE((tmp_path / "roaming.toml").stat().st_mode) == 0o640
