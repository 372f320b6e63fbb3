"""Checks built distributions against the source tree (run by .ci/package.sh):

- each wheel holds every tracked file of its packages (roaming, federation, migrations; each
  bundled plugin's roaming_<name>), and nothing else but its metadata (``*.dist-info/``, with the
  licence text);
- each sdist holds nothing but tracked files of its project and its generated metadata
  (``PKG-INFO``, ``setup.cfg``, ``*.egg-info/``).

Tracked files are those ``git ls-files`` lists, where the source tree is a git checkout (as in
CI); elsewhere the files on disk without ``__pycache__`` stand in, which finds missing files but
not stray ones.

    python check_distributions.py DIST SOURCE [PLUGIN_FOLDER...]

DIST holds the sdists and wheels; SOURCE is the checkout the tracked files are read from (the
distributions may have been built from a copy of it). Prints a line per wheel; exits with the
problems, one a line.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

CORE_PACKAGES = ["roaming", "federation", "migrations"]
# What setuptools writes into an sdist besides *.egg-info/: PKG-INFO, and setup.cfg with its build
# tags (a project with a setup.cfg of its own has it tracked too).
SDIST_METADATA = {PurePosixPath("PKG-INFO"), PurePosixPath("setup.cfg")}


def tracked_files(base: Path) -> tuple[set[str], bool]:
    """The files under ``base`` git tracks, relative to it, and True; without git, the files on
    disk (no ``__pycache__``) and False."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(base), "ls-files", "-z"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        on_disk = {
            path.relative_to(base).as_posix()
            for path in base.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        return on_disk, False
    return {name for name in listed.split("\0") if name and (base / name).is_file()}, True


def check_wheel(wheel: Path, tracked: set[str], packages: list[str]) -> list[str]:
    held = set(zipfile.ZipFile(wheel).namelist())
    metadata = {name for name in held if PurePosixPath(name).parts[0].endswith(".dist-info")}
    expected = {name for name in tracked if PurePosixPath(name).parts[0] in packages}
    problems = [f"{wheel.name} lacks {name}" for name in sorted(expected - held)]
    problems += [
        f"{wheel.name} holds {name}, which is not a tracked source file" for name in sorted(held - expected - metadata)
    ]
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in metadata):
        problems.append(f"{wheel.name} lacks its LICENSE")
    print(f"  {wheel.name}: {len(expected & held)} of {len(expected)} source files, {len(metadata)} metadata files")
    return problems


def check_sdist(sdist: Path, tracked: set[str]) -> list[str]:
    with tarfile.open(sdist) as archive:
        held = {
            PurePosixPath(*PurePosixPath(member.name).parts[1:]) for member in archive.getmembers() if member.isfile()
        }
    generated = {name for name in held if name in SDIST_METADATA or name.parts[0].endswith(".egg-info")}
    return [
        f"{sdist.name} holds {name}, which is not a tracked source file"
        for name in sorted(name.as_posix() for name in held - generated)
        if name not in tracked
    ]


def main(dist: Path, source: Path, plugins: list[str]) -> list[str]:
    distributions = [("roaming", source, CORE_PACKAGES)]
    for folder in plugins:
        base = source / folder
        distributions.append((f"roaming_plugin_{base.name}", base, [f"roaming_{base.name}"]))
    problems = []
    for name, base, packages in distributions:
        tracked, by_git = tracked_files(base)
        if not by_git:
            print(f"  {name}: not a git checkout, compared with the files on disk (stray files go unnoticed)")
        wheels = sorted(dist.glob(f"{name}-*.whl"))
        sdists = sorted(dist.glob(f"{name}-*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            problems.append(f"{name}: expected one wheel and one sdist, found {[p.name for p in wheels + sdists]}")
            continue
        problems += check_wheel(wheels[0], tracked, packages) + check_sdist(sdists[0], tracked)
    return problems


if __name__ == "__main__":
    found = main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
    if found:
        sys.exit("\n".join(found))
