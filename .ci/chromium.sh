#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/web): Playwright drives it; its own browser
# download does not work on this network. CI runs as root on Debian.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "$(chromium --version 2>/dev/null || echo chromium) is installed."
