#!/usr/bin/env bash
# CI: the distributions work as an installer gets them. Builds roaming's sdist and, from that
# sdist, its wheel, and the same for each bundled plugin (plugins/*); checks that the wheels hold
# every tracked file of the source packages and nothing else but their metadata, and the sdists
# nothing untracked (.ci/check_distributions.py); builds roaming again from a copy with stray files
# added, which must leave the litter out and be caught by the check for the rest; installs the
# wheels (not editable) into a fresh virtual environment in a temporary folder and, from outside
# the checkout, runs two nodes there: init, db upgrade, run, mutual trust and a signed ping each
# way (roaming check), every bundled plugin enabled with its migrations, and a restart with them.
# Needs python3 with venv and PyPI.
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
# Meanwhile, in the background: roaming's distributions from a copy of its tracked files with
# stray files added (checked below).
stray_build=
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mkdir "$work/stray-tree"
  git ls-files -z -- . ':!plugins' ':!tests' | tar --null -T - -cf - | tar -xf - -C "$work/stray-tree"
  (
    cd "$work/stray-tree/roaming"
    mkdir -p templates/__pycache__ demo/data/instance/keys
    touch templates/__pycache__/base.cpython-311.pyc templates/base.html~ templates/.base.html.swp static/.DS_Store
    touch demo/data/instance/roaming.toml demo/data/instance/secret_key demo/data/instance/keys/current
    touch demo/data/instance/roaming.db static/notes.txt
  )
  logged "$work/stray-build.log" "$work/build-env/bin/python" -m build --no-isolation --outdir "$work/stray-dist" \
    "$work/stray-tree" &
  stray_build=$!
fi
for project in . "${plugins[@]}"; do
  # python -m build with neither --sdist nor --wheel builds the wheel from the unpacked sdist.
  logged "$work/build.log" "$work/build-env/bin/python" -m build --no-isolation --outdir "$work/dist" "$project"
done
ls "$work/dist" | sed 's/^/  /'

say "comparing the distributions with the tracked source files"
python3 .ci/check_distributions.py "$work/dist" "$source_tree" "${plugins[@]}"

if [ -n "$stray_build" ]; then
  say "stray files in a copy of the source tree: litter is left out, anything else is found"
  wait "$stray_build" || fail "building the copy with stray files"
  status=0
  python3 .ci/check_distributions.py "$work/stray-dist" "$source_tree" >"$work/stray-check.log" 2>&1 || status=$?
  # Only the file no exclusion covers may be named, once in the wheel and once in the sdist.
  found=$(grep -c "holds roaming/static/notes.txt, which is not a tracked source file" "$work/stray-check.log" || true)
  named=$(grep -c " holds " "$work/stray-check.log" || true)
  if [ "$status" = 0 ] || [ "$found" != 2 ] || [ "$named" != 2 ]; then
    cat "$work/stray-check.log" >&2
    fail "the distributions built with stray files hold litter, or the check missed a stray file"
  fi
  echo "  left out: __pycache__, *.pyc, *~, *.swp, .DS_Store, an instance's files; found: roaming/static/notes.txt"
else
  say "not a git checkout: no check for stray files"
fi

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
