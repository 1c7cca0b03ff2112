#!/usr/bin/env bash
# The replica suite runs three instances of every service against one PostgreSQL server: about 180
# connections at most, past the 100 a fresh server allows. Raises max_connections on the local
# server (ALTER SYSTEM, then a restart, which only this setting needs) when it is lower, and says
# what to do when this script cannot. A server that is down is left to the test stack to start.
set -euo pipefail
wanted="${POSTGRES_MIN_CONNECTIONS:-200}"
url="${DATABASE_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
command -v psql >/dev/null 2>&1 || exit 0
current="$(psql "$url" -Atc 'show max_connections' 2>/dev/null)" || exit 0
[ "$current" -ge "$wanted" ] && exit 0
host="$(sed -E 's#^[a-z]+://([^@/]*@)?([^:/?]+).*#\2#' <<<"$url")"
if [[ "$host" =~ ^(127\.0\.0\.1|localhost)$ ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL allows $current connections; the replica suite needs $wanted: raising max_connections and restarting it"
  psql "$url" -qc "ALTER SYSTEM SET max_connections = $wanted"
  version="$(ls /etc/postgresql | head -1)"
  if [ "$(id -u)" = 0 ]; then pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  else pg_ctlcluster "$version" main restart; fi
  exit 0
fi
echo "PostgreSQL at $host allows $current connections; the replica suite needs $wanted: set max_connections = $wanted in its configuration and restart it" >&2
exit 1
