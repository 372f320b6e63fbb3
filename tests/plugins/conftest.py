"""Plugins installed the way pip installs them (a dist-info folder with an entry point in the
``roaming.plugins`` group), in a folder put on ``sys.path`` or ``PYTHONPATH``."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest


def install_fake_plugin(site: Path, name: str, source: str, api: str | None = ">=1.0,<2") -> None:
    """Write module ``roaming_<name>`` and its distribution's metadata into ``site``. The module
    declares ``roaming_plugin_api = api`` after ``source``, unless ``api`` is None."""
    site.mkdir(parents=True, exist_ok=True)
    declaration = "" if api is None else f"\nroaming_plugin_api = {api!r}\n"
    (site / f"roaming_{name}.py").write_text(textwrap.dedent(source) + declaration)
    dist = site / f"roaming_plugin_{name}-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: roaming-plugin-{name}\nVersion: 0.1.0\nSummary: Test plugin {name}\n"
    )
    (dist / "entry_points.txt").write_text(f"[roaming.plugins]\n{name} = roaming_{name}\n")
    importlib.invalidate_caches()


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path for fake plugin distributions."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name, module in list(sys.modules.items()):  # the next test's plugin of the same name is another
        if str(getattr(module, "__file__", "") or "").startswith(str(folder)):
            del sys.modules[name]
