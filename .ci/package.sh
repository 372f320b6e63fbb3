#!/usr/bin/env bash
# CI: the distributions work as an installer gets them. Builds roaming's sdist and, from that
# sdist, its wheel, and the same for each bundled plugin (plugins/*); checks that every file of
# the source packages is in the wheels; installs the wheels (not editable) into a fresh virtual
# environment in a temporary folder and, from outside the checkout, runs two nodes there: init,
# db upgrade, run, mutual trust and a signed ping each way (roaming check), every bundled plugin
# enabled with its migrations, and a restart with them. Needs python3 with venv and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
source_tree=$(pwd)
work=$(mktemp -d)
started=$SECONDS
servers=()

cleanup() {
  local pid
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${servers[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  echo "package: [$((SECONDS - started)) s] stopped"
}
trap cleanup EXIT

say() { echo "package: [$((SECONDS - started)) s] $*"; }
fail() {
  echo "package: FAILED: $*" >&2
  exit 1
}
# Runs a command with its output in a log; on failure shows the log and stops.
logged() {
  local log=$1
  shift
  local status=0
  "$@" >"$log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    cat "$log" >&2
    fail "$* (exit status $status)"
  fi
}

say "building the sdists and, from them, the wheels"
python3 -m venv "$work/build-env"
# The build requirements (pyproject.toml's build-system) in one environment, checked by build.
logged "$work/build.log" "$work/build-env/bin/pip" install --disable-pip-version-check build "setuptools>=77"
plugins=()
for project in plugins/*/; do
  [ -f "$project/pyproject.toml" ] && plugins+=("${project%/}")
done
for project in . "${plugins[@]}"; do
  # python -m build with neither --sdist nor --wheel builds the wheel from the unpacked sdist.
  logged "$work/build.log" "$work/build-env/bin/python" -m build --no-isolation --outdir "$work/dist" "$project"
done
ls "$work/dist" | sed 's/^/  /'

say "comparing the wheels with the source packages"
python3 - "$work/dist" "$source_tree" "${plugins[@]}" <<'EOF'
"""Every file under the source packages (roaming, federation, migrations; each plugin's
roaming_<name>) must be in its wheel, with the licence text in the wheel's metadata."""

import sys
import zipfile
from pathlib import Path

dist, source, plugins = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
distributions = [("roaming", source, ["roaming", "federation", "migrations"])]
for folder in plugins:
    base = source / folder
    distributions.append((f"roaming_plugin_{base.name}", base, [f"roaming_{base.name}"]))
problems = []
for name, base, packages in distributions:
    wheels = list(dist.glob(f"{name}-*.whl"))
    if len(wheels) != 1:
        problems.append(f"{name}: expected one wheel, found {[wheel.name for wheel in wheels]}")
        continue
    held = set(zipfile.ZipFile(wheels[0]).namelist())
    expected = sorted(
        path.relative_to(base).as_posix()
        for package in packages
        for path in (base / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    missing = [path for path in expected if path not in held]
    problems += [f"{wheels[0].name} lacks {path}" for path in missing]
    if not any(entry.endswith(".dist-info/licenses/LICENSE") for entry in held):
        problems.append(f"{wheels[0].name} lacks its LICENSE")
    print(f"  {wheels[0].name}: {len(expected) - len(missing)} of {len(expected)} source files")
if problems:
    sys.exit("\n".join(problems))
EOF

say "installing the wheels into a fresh virtual environment"
python3 -m venv "$work/venv"
bin="$work/venv/bin"
logged "$work/install.log" "$bin/pip" install --disable-pip-version-check "$work"/dist/*.whl
cd "$work" # nothing may come from the checkout from here on
"$bin/python" - <<'EOF' || fail "a package is not imported from the environment's site-packages"
import importlib
import sysconfig
from pathlib import Path

site = Path(sysconfig.get_paths()["purelib"]).resolve()
for name in ("roaming", "federation", "migrations", "roaming_makerspace", "roaming_webhooks", "roaming_deskcal"):
    where = Path(importlib.import_module(name).__file__).resolve()
    if site not in where.parents:
        raise SystemExit(f"{name} is imported from {where}, not from {site}")
print(f"  imported from {site}")
EOF
version=$("$bin/roaming" --version)
say "$version"
case "$version" in
  "roaming, version "[0-9]*) ;;
  *) fail "roaming --version printed '$version'" ;;
esac

say "roaming plugins new, from the installed template"
logged "$work/new-plugin.log" "$bin/roaming" plugins new package_check --directory "$work"
[ -f "$work/package_check/roaming_package_check/__init__.py" ] && [ -f "$work/package_check/pyproject.toml" ] ||
  fail "roaming plugins new wrote no package"

free_port() { "$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Prints /healthz's answer once the node answers; fails after 60 seconds.
wait_for_node() {
  "$bin/python" - "$1" <<'EOF'
import sys
import time
import urllib.request

url = sys.argv[1] + "/healthz"
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            print("  " + response.read().decode())
            break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within 60 seconds") from None
        time.sleep(0.2)
EOF
}
start_node() { # instance, port
  "$bin/roaming" run --instance "$work/$1" --port "$2" >>"$work/$1.log" 2>&1 &
  servers+=($!)
}
create_node() { # instance, name, country, port: roaming init, then roaming db upgrade
  logged "$work/$1-init.log" "$bin/roaming" init --instance "$work/$1" --name "$2" --country "$3" \
    --url "http://127.0.0.1:$4"
  logged "$work/$1-upgrade.log" "$bin/roaming" db upgrade --instance "$work/$1"
}
# The node's signing key id (its fingerprint for partners), as roaming init printed it.
fingerprint() { awk '$1 == "signing" && $2 == "key" && $3 == "id:" { print $4; exit }' "$work/$1-init.log"; }
# Waits for the background jobs given; fails naming what if one failed.
wait_for_jobs() {
  local what=$1 pid
  shift
  for pid in "$@"; do
    wait "$pid" || fail "$what"
  done
}

say "two nodes: init, db upgrade, run"
port_a=$(free_port)
port_b=$(free_port)
create_node a "Package Check A" DE "$port_a" &
job_a=$!
create_node b "Package Check B" FR "$port_b" &
wait_for_jobs "roaming init or db upgrade" "$job_a" $!
sed 's/^/  /' "$work/a-upgrade.log" "$work/b-upgrade.log"
start_node a "$port_a"
start_node b "$port_b"
wait_for_node "http://127.0.0.1:$port_a" || { cat "$work/a.log" >&2; fail "node A did not start"; }
wait_for_node "http://127.0.0.1:$port_b" || { cat "$work/b.log" >&2; fail "node B did not start"; }

say "the translations are compiled and used"
"$bin/python" - "http://127.0.0.1:$port_a/" <<'EOF'
import sys
import urllib.request

request = urllib.request.Request(sys.argv[1], headers={"Accept-Language": "de"})
with urllib.request.urlopen(request, timeout=10) as response:
    if "Anmelden" not in response.read().decode():
        raise SystemExit("the German page has no 'Anmelden': translations missing")
EOF

say "mutual trust and a signed ping each way"
fingerprint_a=$(fingerprint a)
fingerprint_b=$(fingerprint b)
[ -n "$fingerprint_a" ] && [ -n "$fingerprint_b" ] || fail "roaming init printed no signing key id"
"$bin/roaming" peers add "http://127.0.0.1:$port_b" --fingerprint "$fingerprint_b" --instance "$work/a" | sed 's/^/  /'
"$bin/roaming" peers add "http://127.0.0.1:$port_a" --fingerprint "$fingerprint_a" --instance "$work/b" | sed 's/^/  /'
# roaming check signs POST /federation/ping to each partner; the partner verifies it.
logged "$work/a-check.log" "$bin/roaming" check --instance "$work/a" &
job_a=$!
logged "$work/b-check.log" "$bin/roaming" check --instance "$work/b" &
wait_for_jobs "roaming check" "$job_a" $!
for pair in "a Package Check B" "b Package Check A"; do
  node=${pair%% *}
  partner=${pair#* }
  grep -E "^\[ok\] +Partner $partner: answers" "$work/$node-check.log" | sed 's/^/  /' ||
    { cat "$work/$node-check.log" >&2; fail "node $node's signed ping to $partner"; }
done

say "the bundled plugins, enabled with their migrations"
names=()
for project in "${plugins[@]}"; do
  names+=("$(basename "$project")")
done
for name in "${names[@]}"; do
  logged "$work/enable.log" "$bin/roaming" plugins enable "$name" --instance "$work/a"
done
"$bin/roaming" db status --instance "$work/a" | sed 's/^/  /'
"$bin/python" - "$work/a/roaming.db" "${names[@]}" <<'EOF'
import sqlite3
import sys

database, names = sys.argv[1], sys.argv[2:]
tables = {row[0] for row in sqlite3.connect(database).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
for name in names:
    own = sorted(table for table in tables if table.startswith(f"{name}_") and table != f"alembic_version_{name}")
    if not own or f"alembic_version_{name}" not in tables:
        raise SystemExit(f"plugin {name}: no tables or migration history after roaming plugins enable")
    print(f"  {name}: {', '.join(own)}")
EOF
kill "${servers[0]}"
wait "${servers[0]}" || fail "node A did not stop cleanly"
start_node a "$port_a"
wait_for_node "http://127.0.0.1:$port_a" || { cat "$work/a.log" >&2; fail "node A did not restart with its plugins"; }
"$bin/roaming" plugins list --instance "$work/a" >"$work/plugins.log"
for name in "${names[@]}"; do
  grep -q "^$name .*\[enabled\]" "$work/plugins.log" || { cat "$work/plugins.log" >&2; fail "$name is not enabled"; }
done
if grep -q "^ *!" "$work/plugins.log"; then
  cat "$work/plugins.log" >&2
  fail "a plugin does not load"
fi

say "ok in $((SECONDS - started)) s"
