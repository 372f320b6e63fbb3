#!/usr/bin/env bash
# A PostgreSQL server for the tests on this machine (CI runs as root on Debian): install it when
# missing, start the cluster, and create the role the tests use (see tests/support/postgres.py).
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" && break
  sleep 1
done
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'roaming'\"" | grep -q 1 ||
  su postgres -c "psql -q -c \"CREATE ROLE roaming LOGIN CREATEDB PASSWORD 'roaming'\""
# DROP DATABASE ... WITH (FORCE) ends the connections of a test database, autovacuum's among them:
# that needs pg_signal_backend (without it, a drop sometimes failed while autovacuum was at work).
su postgres -c "psql -q -c 'GRANT pg_signal_backend TO roaming'"
echo "PostgreSQL $version is running on 127.0.0.1:5432 (role roaming)."
