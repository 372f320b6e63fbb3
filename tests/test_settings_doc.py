"""docs/node.md is checked against the settings: every setting has its row with its type (with
its lower bound or its choices) and default, no row names a setting that does not exist, the
variables that are not settings are the documented ones, and every ``ROAMING_*`` name the project
mentions is known."""

from __future__ import annotations

import json
import re
from pathlib import Path

from roaming.settings import BY_KEY, ENVIRONMENT_VARIABLES, SETTINGS

ROOT = Path(__file__).parents[1]
DOC = (ROOT / "docs" / "node.md").read_text()
SECTION = DOC[DOC.index("## Settings\n") : DOC.index("\n## ", DOC.index("## Settings\n") + 1)]
ROWS = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|", SECTION, flags=re.MULTILINE)
VARIABLES = re.findall(r"^\| `(ROAMING_[A-Z_]+)` \| ([^|]+) \|", SECTION, flags=re.MULTILINE)
SEARCHED = ("roaming", "federation", "plugins", "tests", "benchmarks", ".ci", "docs")
SKIPPED = {"build", "__pycache__", "static", "translations"}
NAME = re.compile(r"\bROAMING_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])")


def toml(value: object) -> str:
    """A default as roaming.toml writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)


def test_every_setting_has_one_row_and_every_row_is_a_setting():
    names = [name for name, _kind, _default in ROWS]
    assert len(names) == len(set(names)), "a setting has two rows"
    assert set(names) == {setting.name for setting in SETTINGS}


def test_the_rows_give_each_settings_type_and_default():
    for name, kind, default in ROWS:
        setting = BY_KEY[name.upper()]
        assert kind.strip() == setting.wanted.removeprefix("an ").removeprefix("a "), name
        if setting.default is not None:
            assert default.strip().startswith(f"`{toml(setting.default)}`"), name


def test_the_variables_that_are_not_settings_are_the_documented_ones():
    assert [variable for variable, _what in VARIABLES] == list(ENVIRONMENT_VARIABLES)


def test_every_roaming_variable_the_project_mentions_is_known():
    plugins = {folder.name for folder in (ROOT / "plugins").iterdir() if folder.is_dir()}
    tables = {setting.key for setting in SETTINGS if setting.value_kind is dict} | {name.upper() for name in plugins}
    unknown = set()
    for path in _project_files():
        if path == Path(__file__).with_name("test_settings.py"):
            continue  # misspelt on purpose
        for variable in NAME.findall(path.read_text(errors="replace")):
            name = variable.removeprefix("ROAMING_")
            known = (
                variable in ENVIRONMENT_VARIABLES
                or name in BY_KEY
                or name.removesuffix("_FILE") in BY_KEY
                or name.split("__")[0] in tables
            )
            if not known and f"{variable}: unknown setting" not in path.read_text():  # an example of the error
                unknown.add(f"{variable} in {path.relative_to(ROOT)}")
    assert not unknown


def _project_files():
    yield ROOT / "README.md"
    for top in SEARCHED:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and not SKIPPED & set(path.relative_to(ROOT).parts) and ".egg-info" not in str(path):
                yield path
