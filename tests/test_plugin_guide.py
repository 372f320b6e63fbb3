"""plugins/README.md is checked against the code: every hook specification has its section."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from roaming.plugins import NotifySpecs, VisitSpecs

GUIDE = (Path(__file__).parents[1] / "plugins" / "README.md").read_text()


def test_every_hook_has_a_section_with_its_arguments():
    documented = dict(re.findall(r"^### `(roaming_\w+)\(([^)]*)\)`", GUIDE, flags=re.MULTILINE))
    specs = {
        name: ", ".join(list(inspect.signature(function).parameters)[1:])
        for spec in (VisitSpecs, NotifySpecs)
        for name, function in vars(spec).items()
        if name.startswith("roaming_")
    }
    assert documented == specs
