#!/usr/bin/env bash
# Installs PostgreSQL when missing, starts it on loopback and creates the test role and database.
# Prints the URL to use as KETNAP_TEST_PG. Idempotent.
set -euo pipefail
log() { printf '%s\n' "$*" >&2; }
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  log "installing postgresql (missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
read -r ver cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
if [ -z "${ver:-}" ]; then
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$ver" main >&2
  read -r ver cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
fi
if [ "$status" != "online" ]; then
  log "starting postgresql $ver/$cluster on port $port"
  pg_ctlcluster "$ver" "$cluster" start >&2
fi
as_pg() { runuser -u postgres -- "$@"; }
for _ in $(seq 1 30); do as_pg psql -p "$port" -qAtc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
as_pg psql -p "$port" -qAtc "select 1 from pg_roles where rolname='ketnap'" | grep -q 1 \
  || as_pg psql -p "$port" -qc "create role ketnap login password 'ketnap' createdb" >&2
# A fresh test database each run: every test makes its own schema inside it.
as_pg psql -p "$port" -qc "drop database if exists ketnap_test with (force)" >&2
as_pg psql -p "$port" -qc "create database ketnap_test owner ketnap" >&2
echo "postgres://ketnap:ketnap@127.0.0.1:$port/ketnap_test"
