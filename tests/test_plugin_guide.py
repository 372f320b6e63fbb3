"""docs/plugins.md is checked against the code: every hook specification has its section with the
exact signature, no section names a hook that does not exist, the commands it shows exist, and it
states the node's plugin API version and the declaration a plugin makes."""

from __future__ import annotations

import dataclasses
import inspect
import re
import shlex
from pathlib import Path

import click
import pytest

from roaming.cli import cli
from roaming.hookspecs import PLUGIN_API_VERSION, SPECS, ServiceKind
from roaming.plugins.compatibility import DECLARATION, recommended_range

pytestmark = pytest.mark.one_database(reason="the plugin guide against the code")

GUIDE = (Path(__file__).parents[1] / "docs" / "plugins.md").read_text()


def test_every_hook_has_a_section_with_its_exact_signature():
    documented = re.findall(r"^### `(roaming_\w+)\(([^)]*)\)`$", GUIDE, flags=re.MULTILINE)
    specs = {
        name: ", ".join(list(inspect.signature(function).parameters)[1:])
        for spec in SPECS
        for name, function in vars(spec).items()
        if name.startswith("roaming_")
    }
    assert len(documented) == len(set(documented)), "a hook has two sections"
    assert dict(documented) == specs


def test_the_service_kind_fields_are_the_documented_ones():
    shown = re.search(r"`roaming\.plugins\.ServiceKind\(([^)]*)\)`", GUIDE).group(1)
    assert [part.split("=")[0].strip() for part in shown.split(",")] == [
        f.name for f in dataclasses.fields(ServiceKind)
    ]


def test_the_commands_in_the_guide_exist_with_their_options():
    for line in re.findall(r"^roaming [^\n#]+", GUIDE, flags=re.MULTILINE):
        words = shlex.split(line)[1:]
        command: click.Command = cli
        with click.Context(cli) as context:  # the core's commands are loaded when asked for by name
            while isinstance(command, click.Group) and words and command.get_command(context, words[0]):
                command, words = command.get_command(context, words[0]), words[1:]
        assert not isinstance(command, click.Group), f"not a command: {line}"
        options = {option for param in command.params for option in getattr(param, "opts", [])}
        assert {word for word in words if word.startswith("--")} <= options, line


def test_the_plugin_api_version_and_declaration_are_the_code_s():
    section = GUIDE.split("## Plugin API versions", 1)[1].split("\n## ", 1)[0]
    assert f"this node's plugin API is **{PLUGIN_API_VERSION}**" in section
    assert f'```python\n{DECLARATION} = "{recommended_range()}"\n```' in section


def test_every_hook_says_what_a_plugin_implementing_it_adds():
    """The plugin inventory (roaming plugins list, the admin page) words each hook from its spec."""
    for spec in SPECS:
        for name, function in vars(spec).items():
            if name.startswith("roaming_"):
                assert str(getattr(function, "adds", "")).strip(), name  # a lazy translation
