"""The architecture the docs draw is the code's: docs/architecture.md's layers are the ones
lint-imports checks (setup.cfg), every package of the node is in a layer and in the README's
layout, every one named there exists, and each core part registers itself by its module."""

from __future__ import annotations

import configparser
import importlib
import inspect
import re
from pathlib import Path

import pytest

from roaming import signals
from roaming.plugins import BUILTINS

pytestmark = pytest.mark.one_database(reason="the docs against the code")

ROOT = Path(__file__).parents[1]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()
README = (ROOT / "README.md").read_text()


def _contract_layers() -> list[list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["importlinter:contract:layers"]["layers"].strip().splitlines()
    return [[name.strip() for name in line.split(":")] for line in lines]


def _drawn_layers() -> list[list[str]]:
    block = ARCHITECTURE.split("<!-- layers:", 1)[1].split("```", 2)[1]
    rows = [re.split(r"\s{2,}", line.strip())[0] for line in block.strip().splitlines()]
    return [[name.strip() for name in row.split(":")] for row in rows]


def _packages() -> set[str]:
    """The children of roaming that are packages (folders with an __init__.py)."""
    return {path.parent.name for path in (ROOT / "roaming").glob("*/__init__.py")}


def _children() -> set[str]:
    modules = {path.stem for path in (ROOT / "roaming").glob("*.py") if path.stem != "__init__"}
    return modules | _packages()


def test_the_drawn_layers_are_the_checked_ones():
    assert _drawn_layers() == _contract_layers()


def test_every_package_and_module_of_the_node_is_in_a_layer():
    layered = [name for layer in _contract_layers() for name in layer]
    assert sorted(layered) == sorted(_children())


def test_the_readme_layout_names_every_package_and_only_existing_ones():
    layout = README.split("## Layout", 1)[1].split("```")[1]
    named = set(re.findall(r"^  ([a-z_]+)/", layout, flags=re.MULTILINE))
    assert named - {"templates"} == _packages()  # templates/, static/, translations/: the pages' files
    modules = set(re.findall(r"^  ([a-z_]+)\.py", layout, flags=re.MULTILINE))
    assert modules <= _children()


def test_every_core_part_implements_hooks_in_its_own_package():
    for name, module in BUILTINS.items():
        functions = inspect.getmembers(importlib.import_module(module), inspect.isfunction)
        implemented = [name for name, function in functions if hasattr(function, "roaming_impl")]
        assert implemented, f"{name}: {module} implements no hook"
    packages = {module.split(".")[1] for module in BUILTINS.values()}
    assert packages <= _children()


def test_the_receivers_the_architecture_lists_are_connected(app):
    listed = re.findall(r"^\| `([a-z_/]+\.py)`(?:, `([a-z_/]+\.py)`)? \|", ARCHITECTURE, flags=re.MULTILINE)
    files = {name for pair in listed for name in pair if name}
    connected = {
        receiver.__module__
        for signal in (signals.visit_changed, signals.registration_changed)
        for receiver in signal.receivers_for(object())
    }
    assert files, "the table of receivers was not found"
    for path in files:
        module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        module = module if module.startswith("roaming.") else f"roaming.{module}"
        assert module in connected, path
