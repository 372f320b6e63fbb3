#!/usr/bin/env bash
# Lint, format and type check with the versions pinned in setup.cfg's `lint` extra; CONTRIBUTING.md
# says what each check asks for.
set -euo pipefail
cd "$(dirname "$0")/.."

# Into .venv with what the README's test command installs (mypy checks the code against the
# installed libraries, and the same ones give the same errors everywhere). The test command then
# finds it all in place, so CI downloads nothing twice.
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check \
  -e '.[test,lint]' -e plugins/makerspace -e plugins/webhooks -e plugins/deskcal

# Every check runs, so that one run shows all there is to fix.
status=0
echo "+ ruff check ."
.venv/bin/ruff check . || status=1
echo "+ ruff format --check ."
.venv/bin/ruff format --check . || status=1
echo "+ lint-imports"
.venv/bin/lint-imports --no-cache || status=1
echo "+ python .ci/typecheck.py"
.venv/bin/python .ci/typecheck.py || status=1
exit "$status"
