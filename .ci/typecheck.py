"""Run mypy and compare its errors with the baseline of known ones, which may only shrink.

The baseline (.ci/mypy-baseline.txt) has one line per known error, "path: [code] message", without
line numbers, so that edits which only move code do not change it; an error that occurs twice in a
file is listed twice. The check fails when mypy reports an error the baseline does not have, and
when the baseline lists an error that is gone: then the baseline is shrunk with --update, so that
the fixed error cannot come back unnoticed.

    python .ci/typecheck.py                        # check (CI, pre-commit)
    python .ci/typecheck.py --update               # shrink the baseline to the errors left
    python .ci/typecheck.py --update --accept-new  # rewrite it, new errors included

Run it with the Python of the environment the project is installed in (mypy needs the project's
dependencies to check the code that uses them); mypy's settings are in pyproject.toml.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline.txt"
HEADER = (
    "# mypy errors known when the type check was introduced: this list may only shrink.\n"
    "# One line per error, without line numbers; rewrite it with: python .ci/typecheck.py --update\n"
)


def mypy_errors() -> list[tuple[str, str]]:
    """mypy's errors on the files pyproject.toml names: (baseline line, "path:line") each."""
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--output", "json"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    # mypy exits 1 when it found errors and 2 when it could not check at all (a crash, a bad setting).
    if run.returncode not in (0, 1):
        sys.exit(f"mypy could not run (exit status {run.returncode}):\n{run.stdout}{run.stderr}")
    errors = []
    for line in run.stdout.splitlines():
        if line.startswith("{") and (error := json.loads(line))["severity"] == "error":
            path = Path(error["file"]).as_posix()
            # A message may name another line ("already defined on line 12"): that number moves too.
            message = re.sub(r"\bline \d+", "line N", error["message"])
            errors.append((f"{path}: [{error['code']}] {message}", f"{path}:{error['line']}"))
    return errors


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line and not line.startswith("#"))


def write_baseline(errors: Counter[str]) -> None:
    BASELINE.write_text(HEADER + "".join(f"{line}\n" for line in sorted(errors.elements())), encoding="utf-8")


def listed(errors: Counter[str]) -> str:
    return "".join(
        f"  {line}" + (f"  (x{count})" if count > 1 else "") + "\n" for line, count in sorted(errors.items())
    )


def located(found: list[tuple[str, str]], new: Counter[str]) -> str:
    """Where mypy reports the new errors."""
    places = [f"  {where}: {line.split(': ', 1)[1]}\n" for line, where in found if line in new]
    if len(places) > sum(new.values()):
        places.append("  (Where a file has more of one error than the baseline lists, all its places are shown.)\n")
    return "".join(places)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baseline with the errors mypy reports now")
    parser.add_argument("--accept-new", action="store_true", help="with --update: keep new errors in the baseline too")
    options = parser.parse_args()
    if options.accept_new and not options.update:
        parser.error("--accept-new only goes with --update")

    found, baseline = mypy_errors(), read_baseline()
    errors = Counter(line for line, _ in found)
    new, gone = errors - baseline, baseline - errors

    if options.update:
        if new and not options.accept_new:
            print(f"Not updated: mypy reports {sum(new.values())} error(s) the baseline does not have:")
            print(located(found, new), end="")
            print("Fix them (the baseline may only shrink), or add --accept-new to record them deliberately.")
            return 1
        write_baseline(errors)
        print(f"{BASELINE.relative_to(ROOT)}: {sum(errors.values())} error(s) (was {sum(baseline.values())}).")
        return 0

    if new:
        print(f"mypy reports {sum(new.values())} new error(s), not in {BASELINE.relative_to(ROOT)}; fix them:")
        print(located(found, new), end="")
    if gone:
        print(f"{sum(gone.values())} error(s) listed in {BASELINE.relative_to(ROOT)} are fixed:")
        print(listed(gone), end="")
        print("Shrink the baseline with 'python .ci/typecheck.py --update' and commit it.")
    if not new and not gone:
        print(f"mypy: {sum(errors.values())} known error(s), as in the baseline; no new one.")
    return 1 if new or gone else 0


if __name__ == "__main__":
    sys.exit(main())
