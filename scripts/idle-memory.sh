#!/usr/bin/env bash
# Prints the resident memory (RSS) of each service and broker of a running platform (npm start),
# for capacity planning. Run it after the platform has been idle for a while.
set -euo pipefail
cd "$(dirname "$0")/.."

rss_of() { # sum of RSS in MiB over the given pids
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo $((total / 1024))
}

printf '%-14s %8s\n' "process" "RSS MiB"
for service in order inventory payment notification points; do
  pids=$(pgrep -f "dist/apps/$service/src/main.js" || true)
  [ -n "$pids" ] && printf '%-14s %8s\n' "$service" "$(rss_of $pids)"
done
pids=$(pgrep -f "kafka.Kafka" || true);        [ -n "$pids" ] && printf '%-14s %8s\n' kafka "$(rss_of $pids)"
pids=$(pgrep -f "beam.smp" || true);           [ -n "$pids" ] && printf '%-14s %8s\n' rabbitmq "$(rss_of $pids)"
pids=$(pgrep -x redis-server || true);         [ -n "$pids" ] && printf '%-14s %8s\n' redis "$(rss_of $pids)"
pids=$(pgrep -x postgres || pgrep -f "postgres:" || true)
[ -n "$pids" ] && printf '%-14s %8s  (sum over %s processes; shared buffers counted in each)\n' postgresql "$(rss_of $pids)" "$(wc -w <<<"$pids")"
