"""How long the ``roaming`` command line takes to start, against ``flask --help``, side by side.

Each command runs as a whole process (``subprocess``, wall time from start to exit) ``--runs``
times (default 5), the commands taking turns so that a busy moment of the machine is shared out:

- ``roaming --help`` and ``roaming --version`` (no instance: core commands only);
- ``roaming keys show`` and ``roaming peers list`` on a node made with ``roaming init`` in a
  temporary folder first (SQLite, no plugins);
- ``flask --help`` from the same environment, the yardstick: what a bare Flask command line costs.

Every process runs in the temporary folder with no ``ROAMING_*`` variable set, so nothing but the
command line chooses the instance. A command that fails, or prints not what it should, stops the
benchmark with a non-zero status. The table gives the median, fastest and slowest run of each
command and its median's ratio to ``flask --help``'s.

    python -m benchmarks.cli_startup [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

YARDSTICK = "flask --help"


@dataclass(frozen=True)
class Command:
    """A command line to time, and a piece of text its standard output must contain."""

    label: str
    argv: list[str]
    expected_output: str


def script(name: str) -> str:
    """The console script ``name`` of this Python environment (beside its interpreter)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"No '{name}' command in this environment: install the project first.")
    return found


def environment_without_roaming_settings() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("ROAMING_")}


def run_once(command: Command, folder: Path, environment: dict[str, str]) -> float:
    """Seconds from starting ``command`` to its exit; stops the benchmark when it fails."""
    began = time.perf_counter()
    finished = subprocess.run(command.argv, cwd=folder, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if finished.returncode != 0 or command.expected_output not in finished.stdout:
        raise SystemExit(
            f"'{command.label}' failed (status {finished.returncode}):\n{finished.stdout}{finished.stderr}"
        )
    return seconds


def commands_for(instance: Path) -> list[Command]:
    roaming, flask = script("roaming"), script("flask")
    return [
        Command("roaming --help", [roaming, "--help"], "Commands:"),
        Command("roaming --version", [roaming, "--version"], "roaming, version"),
        Command("roaming keys show", [roaming, "keys", "show", "--instance", str(instance)], "signing"),
        Command("roaming peers list", [roaming, "peers", "list", "--instance", str(instance)], ""),
        Command(YARDSTICK, [flask, "--help"], "Commands:"),
    ]


def create_instance(folder: Path, environment: dict[str, str]) -> Path:
    instance = folder / "node"
    subprocess.run(
        [script("roaming"), "init", "--instance", str(instance), "--name", "Benchmark", "--country", "DE"]
        + ["--url", "http://127.0.0.1:9"],
        cwd=folder,
        env=environment,
        check=True,
        capture_output=True,
    )
    return instance


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    environment = environment_without_roaming_settings()
    with tempfile.TemporaryDirectory(prefix="roaming-cli-startup-") as scratch:
        folder = Path(scratch)
        commands = commands_for(create_instance(folder, environment))
        timings: dict[str, list[float]] = {command.label: [] for command in commands}
        for _ in range(args.runs):
            for command in commands:
                timings[command.label].append(run_once(command, folder, environment))
    yardstick = statistics.median(timings[YARDSTICK])
    print(f"\n{'command':<22} {'median s':>9} {'min s':>7} {'max s':>7} {'/ flask --help':>15}")
    for label, seconds in timings.items():
        median = statistics.median(seconds)
        print(f"{label:<22} {median:>9.3f} {min(seconds):>7.3f} {max(seconds):>7.3f} {median / yardstick:>14.2f}x")


if __name__ == "__main__":
    main()
