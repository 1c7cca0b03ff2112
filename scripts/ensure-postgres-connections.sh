#!/usr/bin/env bash
# The replica suite runs three instances of every service against one PostgreSQL server: up to
# about 270 connections, past the 100 a fresh server allows. Raises max_connections on the local
# server (ALTER SYSTEM, then a restart, which only this setting needs) when it is lower. A server
# this script cannot restart is only reported: the replica suite then says what to change. A server
# that is down is left to the test stack to start.
set -euo pipefail
wanted="${POSTGRES_MIN_CONNECTIONS:-300}"
url="${DATABASE_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
command -v psql >/dev/null 2>&1 || exit 0
current="$(psql "$url" -Atc 'show max_connections' 2>/dev/null)" || exit 0
[ "$current" -ge "$wanted" ] && exit 0
host="$(sed -E 's#^[a-z]+://([^@/]*@)?([^:/?]+).*#\2#' <<<"$url")"
port="$(sed -nE 's#^[a-z]+://([^@/]*@)?[^:/?]+:([0-9]+).*#\2#p' <<<"$url")"
cluster=""
if [[ "$host" =~ ^(127\.0\.0\.1|localhost)$ ]] && command -v pg_lsclusters >/dev/null 2>&1; then
  # The cluster listening on that port: "<version> <name>".
  cluster="$(pg_lsclusters -h | awk -v port="${port:-5432}" '$3 == port && $4 == "online" { print $1, $2; exit }')"
fi
if [ -z "$cluster" ]; then
  echo "note: PostgreSQL at $host allows $current connections; the replica suite needs $wanted: set max_connections = $wanted and restart it" >&2
  exit 0
fi
echo "PostgreSQL allows $current connections; the replica suite needs $wanted: raising max_connections and restarting cluster $cluster"
psql "$url" -qc "ALTER SYSTEM SET max_connections = $wanted"
# shellcheck disable=SC2086 # "<version> <name>" is two arguments
if [ "$(id -u)" = 0 ]; then pg_ctlcluster --skip-systemctl-redirect $cluster restart; else pg_ctlcluster $cluster restart; fi
