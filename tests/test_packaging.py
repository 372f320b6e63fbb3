"""What the distributions ship, checked without building them (``.ci/package.sh`` builds and installs
them): every module is in a regular package (a folder without ``__init__.py`` is left out of the
wheel), every other file under a package matches its package data, litter and instance files are
excluded alike from every distribution, each distribution carries the licence text, and the
changelog's latest release is the version the metadata reads. The check ``.ci/package.sh`` runs
on the built distributions (``.ci/check_distributions.py``) finds a stray file."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
import tarfile
import tomllib
import zipfile
from glob import glob
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PLUGINS = sorted(path.parent for path in (ROOT / "plugins").glob("*/pyproject.toml"))


def _found_packages(base: Path, top: str) -> list[str]:
    """The packages ``packages = find:`` finds under ``top``: folders with ``__init__.py`` all the
    way up."""
    if not (base / top / "__init__.py").exists():
        return []
    inner = [path.name for path in sorted((base / top).iterdir()) if path.is_dir()]
    return [top, *(found for name in inner for found in _found_packages(base, f"{top}/{name}"))]


def _core() -> tuple[Path, list[str], dict[str, list[str]]]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["options"]["packages"] == "find:"
    tops = [name for name in config["options.packages.find"]["include"].split() if "." not in name]
    data = {
        package: [pattern.strip() for pattern in patterns.split(",")]
        for package, patterns in config["options.package_data"].items()
    }
    return ROOT, [package for top in tops for package in _found_packages(ROOT, top)], data


def _plugin(folder: Path) -> tuple[Path, list[str], dict[str, list[str]]]:
    tool = tomllib.loads((folder / "pyproject.toml").read_text())["tool"]["setuptools"]
    return folder, tool["packages"], tool.get("package-data", {})


def _left_out(base: Path, packages: list[str], data: dict[str, list[str]]) -> list[str]:
    """Files under the distribution's packages (folders, or dotted names) that its wheel would
    not hold: modules of a folder that is not one of the packages, other files that no package
    data pattern matches."""
    folders = {base / package.replace(".", "/") for package in packages}
    shipped = set()
    for package, patterns in data.items():
        folder = base / package.replace(".", "/")
        shipped |= {folder / found for pattern in patterns for found in glob(pattern, root_dir=folder, recursive=True)}
    left_out = []
    for top in {package.replace(".", "/").split("/")[0] for package in packages}:
        for path in sorted((base / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path in shipped or (path.suffix == ".py" and path.parent in folders):
                continue
            left_out.append(str(path.relative_to(base)))
    return sorted(left_out)


@pytest.mark.parametrize("folder", [ROOT, *PLUGINS], ids=lambda folder: folder.name)
def test_every_file_under_the_packages_ships(folder):
    base, packages, data = _core() if folder == ROOT else _plugin(folder)
    assert packages and _left_out(base, packages, data) == []


def test_a_folder_without_init_or_a_file_outside_the_package_data_is_found(tmp_path):
    (tmp_path / "pkg" / "loose").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "loose" / "module.py").write_text("")
    (tmp_path / "pkg" / "data").mkdir()
    (tmp_path / "pkg" / "data" / "kept.json").write_text("{}")
    (tmp_path / "pkg" / "data" / "forgotten.txt").write_text("")
    left_out = _left_out(tmp_path, ["pkg"], {"pkg": ["data/*.json"]})
    assert left_out == ["pkg/data/forgotten.txt", "pkg/loose/module.py"]


def test_every_distribution_carries_the_licence_text():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    assert all(f"\n{article}." in licence for article in range(1, 16)) and "\n15.Applicable Law" in licence
    assert "'Compatible Licences' according to Article 5 EUPL are:" in licence.replace("\u2018", "'").replace(
        "\u2019", "'"
    )
    for folder in PLUGINS:
        project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
        assert project["license"] == "EUPL-1.2" and project["license-files"] == ["LICENSE"], folder.name
        assert (folder / "LICENSE").read_text() == licence, f"{folder.name}/LICENSE differs from LICENSE"


def test_the_changelog_starts_with_the_version_the_metadata_reads():
    """After the changes not released yet, if any."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["version"] == "attr: roaming.__version__"
    module = ast.parse((ROOT / "roaming" / "__init__.py").read_text())
    version = next(
        node.value.value
        for node in module.body
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["__version__"]
    )
    releases = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    if "Unreleased" in releases:  # changes made since the last release come first, as Keep a Changelog says
        assert releases.index("Unreleased") == 0
        releases.remove("Unreleased")
    assert releases[0] == version


def _core_exclusions() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return [pattern.strip() for pattern in config["options.exclude_package_data"]["*"].split(",")]


def test_litter_and_instance_files_are_excluded_from_every_distribution():
    excluded = _core_exclusions()
    assert {"*/__pycache__/*", "*.py[co]", "*~", "*.swp", "*/.DS_Store", "*/roaming.toml", "*/secret_key"} <= set(
        excluded
    )
    for folder in PLUGINS:
        tool = tomllib.loads((folder / "pyproject.toml").read_text())["tool"]["setuptools"]
        assert tool["exclude-package-data"] == {"*": excluded}, folder.name
    manifest = (ROOT / "MANIFEST.in").read_text()
    global_exclude = next(line.split()[1:] for line in manifest.splitlines() if line.startswith("global-exclude "))
    assert global_exclude == [pattern for pattern in excluded if not pattern.startswith("*/")]


def _distribution_check():
    spec = importlib.util.spec_from_file_location("check_distributions", ROOT / ".ci" / "check_distributions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_distribution_check_finds_stray_and_missing_files(tmp_path):
    check = _distribution_check()
    tracked = {"pkg/__init__.py", "pkg/templates/page.html", "pkg/templates/gone.html", "README.md"}
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in ("pkg/__init__.py", "pkg/templates/page.html", "pkg/templates/page.html~"):
            archive.writestr(name, "")
        archive.writestr("pkg-1.0.dist-info/licenses/LICENSE", "")
        archive.writestr("pkg-1.0.dist-info/METADATA", "")
    assert check.check_wheel(wheel, tracked, ["pkg"]) == [
        f"{wheel.name} lacks pkg/templates/gone.html",
        f"{wheel.name} holds pkg/templates/page.html~, which is not a tracked source file",
    ]
    sdist = tmp_path / "pkg-1.0.tar.gz"
    for name in ("pkg-1.0/README.md", "pkg-1.0/PKG-INFO", "pkg-1.0/pkg.egg-info/SOURCES.txt", "pkg-1.0/x/secret_key"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(tmp_path / "pkg-1.0", arcname="pkg-1.0")
    assert check.check_sdist(sdist, tracked) == [f"{sdist.name} holds x/secret_key, which is not a tracked source file"]
