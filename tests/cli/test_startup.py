"""The command line imports only what the command at hand needs (docs/performance.md,
"Command-line start-up"): each command runs in a fresh interpreter, which then reports the modules
it imported. Timings are the benchmark's business (``python -m benchmarks.cli_startup``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from roaming.cli import CORE_COMMANDS
from roaming.instance import create_instance

# What a node's whole app imports and the command line does not need to start: the app and its
# routes, the database layer, migrations, the API's schemas, languages, rate limits, plugins,
# signing keys and HTTP.
HEAVY_MODULES = (
    "roaming.app",
    "roaming.db",
    "roaming.plugins",
    "roaming.accounts",
    "sqlalchemy",
    "alembic",
    "flask_smorest",
    "marshmallow",
    "flask_babel",
    "flask_limiter",
    "pluggy",
    "joserfc",
    "cryptography",
    "requests",
)

PROBE = """
import json, sys
from roaming.cli import main
report, sys.argv = sys.argv[1], ["roaming", *sys.argv[2:]]
try:
    main()
except SystemExit as stopped:
    status = stopped.code
with open(report, "w") as handle:
    json.dump({"status": status, "modules": sorted(sys.modules)}, handle)
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """An instance as ``roaming init`` makes it (SQLite in its folder, no plugin)."""
    folder = tmp_path_factory.mktemp("startup") / "node"
    create_instance(folder, name="Start-up", country="DE", base_url="http://127.0.0.1:9")
    return folder


def environment() -> dict[str, str]:
    """This process's environment without the variables that would choose an instance or plugins."""
    return {name: value for name, value in os.environ.items() if name not in ("ROAMING_INSTANCE", "ROAMING_PLUGINS")}


def heavy_modules_imported(tmp_path, *args: str) -> list[str]:
    """The ``HEAVY_MODULES`` (or their submodules) that ``roaming ARGS`` imports, run in a fresh
    interpreter in an empty folder."""
    report = tmp_path / "modules.json"
    finished = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcome = json.loads(report.read_text())
    assert outcome["status"] in (0, None), finished.stdout + finished.stderr
    imported = set(outcome["modules"])
    return [heavy for heavy in HEAVY_MODULES if any(m == heavy or m.startswith(f"{heavy}.") for m in imported)]


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_import_nothing_heavy(tmp_path, args):
    assert heavy_modules_imported(tmp_path, *args) == []


def test_help_of_a_node_without_plugins_does_not_build_its_app(tmp_path, node):
    assert heavy_modules_imported(tmp_path, "--instance", str(node), "--help") == []


def test_keys_show_reads_only_the_key_files(tmp_path, node):
    assert heavy_modules_imported(tmp_path, "keys", "show", "--instance", str(node)) == ["joserfc", "cryptography"]


def test_peers_list_reads_only_the_database(tmp_path, node):
    assert heavy_modules_imported(tmp_path, "peers", "list", "--instance", str(node)) == ["roaming.db", "sqlalchemy"]


def test_help_of_a_node_with_plugins_lists_their_commands(tmp_path):
    node = create_instance(
        tmp_path / "node",
        name="Makers",
        country="DE",
        base_url="http://127.0.0.1:9",
        settings={"plugins": ["makerspace"]},
    ).path
    assert listed_commands(tmp_path, "--instance", str(node), "--help") == sorted([*CORE_COMMANDS, "makerspace"])


def test_help_lists_every_core_command(tmp_path):
    assert listed_commands(tmp_path, "--help") == sorted(CORE_COMMANDS)


@pytest.mark.parametrize("limit", [20, 45, 80, 1000])
def test_each_core_command_is_listed_with_its_own_short_help(limit):
    for name, core in CORE_COMMANDS.items():
        command = core.load()
        assert command.name == name
        assert core.short_help(limit) == command.get_short_help_str(limit), name


def listed_commands(tmp_path, *args: str) -> list[str]:
    """The command names in the "Commands:" section of ``roaming ARGS``'s output."""
    shown = subprocess.run(
        [sys.executable, "-m", "roaming", *args],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    section = shown.stdout.split("Commands:\n", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ") and line[2] != " "]
